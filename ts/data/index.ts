/**
 * Data helpers: IDX files (MNIST, Fashion-MNIST), CSV, train/test splits,
 * scaling and one-hot labels. Row data is flat typed arrays, row-major.
 *
 *     const { train, test } = await sinew.data.loadFashionMnist();
 *     const x = sinew.tensor(train.images, [train.count, 784]);
 *     const y = sinew.tensor(sinew.data.oneHot(train.labels, 10), [train.count, 10]);
 *
 * Streaming datasets (TF.js's `tf.data`): `array`, `generator`, `csv`, `zip`
 * make a `Dataset`; `model.fitDataset` trains from one without loading it whole.
 */
export { Dataset, array, generator, zip } from './dataset.js';
export type { DatasetIterator, Batched } from './dataset.js';
export { csv, CSVDataset } from './csv-dataset.js';
export type { CSVConfig, ColumnConfig, CsvRow } from './csv-dataset.js';
export { parseIdx, encodeIdx, loadIdx, gunzip, isGzip, readBytes } from './idx.js';
export type { IdxTensor, IdxData } from './idx.js';
export { loadMnistIdx, fromMnistPackage, MNIST_CLASS_NAMES, MNIST_FILES } from './mnist.js';
export type { ImageDataset, LabeledImages, MnistIdxOptions, MnistPackageDigit, MnistPackageSample, MnistPackageOptions } from './mnist.js';
export { loadFashionMnist, FASHION_MNIST_DIR, FASHION_MNIST_CLASS_NAMES } from './fashion-mnist.js';
export type { FashionMnistOptions } from './fashion-mnist.js';
export { parseCsv, parseCsvMatrix } from './csv.js';
export type { CsvOptions, CsvTable } from './csv.js';
export { mulberry32, shuffledIndices, takeRows, shuffleRows, trainTestSplit, stratifiedSplitIndices, normalize, standardize, oneHot } from './split.js';
export { fromSpamAssassin, messageBody } from './spam-assassin.js';
export type { Mail, SpamAssassinRecord } from './spam-assassin.js';
export { fromFirstNames } from './first-names.js';
export type { FirstName } from './first-names.js';
export type { RowData, SplitOptions, Split, MinMaxStats, StandardStats } from './split.js';
