/**
 * `node.ts` as browser bundles see it (package.json's `"browser"` map): the
 * same names, each refusing with an error, so nothing here imports `node:`.
 * Sinew calls them only where `environment() === 'node'`.
 */
import { UnsupportedError } from '../errors.js';
import type * as Node from './node.js';

const only = (what: string) => () => Promise.reject(new UnsupportedError(`${what} is only available in Node`));

export const fs: typeof Node.fs = only('the file system (node:fs)');
export const path: typeof Node.path = only('node:path');
export const url: typeof Node.url = only('node:url');
export const os: typeof Node.os = only('node:os');
export const zlib: typeof Node.zlib = only('node:zlib');
export const workerThreads: typeof Node.workerThreads = only('node:worker_threads');
