/**
 * Node only: a text file read as a stream of chunks (64 KiB at a time), so
 * `data.csv` on a file larger than memory never holds it whole. Kept in its
 * own module, loaded with a dynamic `import()` only in Node, so the browser
 * graph of the data pipeline has no `node:` imports.
 */
import { InvalidArgumentError } from '../errors.js';

/** Chunks of the UTF-8 file at `source` (a path or a `file:` URL). */
export async function* fileChunks(source: string): AsyncGenerator<string, void, undefined> {
  const fs = await import('node:fs/promises');
  const path = /^file:/i.test(source) ? (await import('node:url')).fileURLToPath(source) : source;
  let file;
  try {
    file = await fs.open(path, 'r');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InvalidArgumentError(`data.csv: cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    const buf = new Uint8Array(1 << 16);
    const decoder = new TextDecoder();
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      yield decoder.decode(buf.subarray(0, bytesRead), { stream: true });
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    await file.close();
  }
}
