/**
 * Every Node built-in module Sinew uses, loaded on demand (only on paths that
 * run in Node). Browser bundles get `node.browser.ts` in this module's place
 * (package.json's `"browser"` map, which Vite and esbuild apply), so a browser
 * bundle's module graph has no `node:` import at all;
 * tests/node/boundaries.test.mjs checks that no other module names one.
 */
export const fs = () => import('node:fs/promises');
export const path = () => import('node:path');
export const url = () => import('node:url');
export const os = () => import('node:os');
export const zlib = () => import('node:zlib');
export const workerThreads = () => import('node:worker_threads');
