/**
 * Fashion-MNIST (Zalando): 60,000 training and 10,000 test 28×28 grey images
 * of clothes in 10 classes, in MNIST's IDX layout.
 *
 * In Node it is read from the Debian package `dataset-fashion-mnist`
 * (`apt-get install dataset-fashion-mnist`), which installs the original
 * gzipped IDX files in /usr/share/datasets/fashion-mnist. Override with
 * `{ dir }` or the environment variable `SINEW_FASHION_MNIST_DIR`; in
 * browsers pass `{ dir: 'https://.../fashion-mnist/' }` (a base URL).
 *
 *     const { train, test, classNames } = await sinew.data.loadFashionMnist();
 *     // train.images: Float32Array 60000×784 in [0, 1], train.labels: Int32Array
 */
import { environment } from '../engine/detect.js';
import { InvalidArgumentError } from '../errors.js';
import { loadMnistIdx, type ImageDataset } from './mnist.js';
import { optionsArg } from '../options.js';

/** Where the Debian package `dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export interface FashionMnistOptions {
  /**
   * Directory of the four IDX files (`.gz` or not), or a base URL. Default:
   * `$SINEW_FASHION_MNIST_DIR`, else /usr/share/datasets/fashion-mnist (Node only).
   */
  dir?: string | URL;
}

/**
 * Loads Fashion-MNIST: `{ train, test, classNames }` with images as n×784
 * Float32Arrays in [0, 1] and labels as Int32Arrays. Throws
 * `InvalidArgumentError` naming the missing files and the Debian package to
 * install when the files are not there.
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<ImageDataset> {
  options = optionsArg('loadFashionMnist', options);
  let dir = options.dir;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (dir === undefined && env?.SINEW_FASHION_MNIST_DIR) dir = env.SINEW_FASHION_MNIST_DIR;
  if (dir === undefined) {
    if (environment() !== 'node') {
      throw new InvalidArgumentError('loadFashionMnist: in a browser pass { dir: <base URL of the IDX files> }');
    }
    dir = FASHION_MNIST_DIR;
  }
  const hint =
    environment() !== 'node'
      ? 'Pass { dir } with the base URL where train-images-idx3-ubyte.gz etc. are served'
      : options.dir === undefined && String(dir) === FASHION_MNIST_DIR
      ? 'Install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or pass { dir } to where the IDX files are'
      : 'Pass { dir } to where train-images-idx3-ubyte.gz etc. are, or install the Debian package dataset-fashion-mnist and leave dir unset';
  return loadMnistIdx({ dir, classNames: FASHION_MNIST_CLASS_NAMES, name: 'Fashion-MNIST', hint });
}
