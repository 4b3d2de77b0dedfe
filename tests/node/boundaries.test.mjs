// Module boundaries of the TypeScript code (a static check of the sources,
// no engine needed):
// - one door: only ts/ops, tensor, variable, autograd and the optimizers
//   call the raw engine bindings (`call` of engine/backend, or the glue);
// - no import cycles between the compiled modules.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

function files(dir, ext) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'wasm' ? [] : files(p, ext);
    return p.endsWith(ext) && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** `[what is imported, from where]` of each static import/export-from (type-only imports skipped). */
function imports(source) {
  const out = [];
  const re = /^\s*(?:import|export)\s+(?!type\s)([^;]*?)\s+from\s+['"]([^'"]+)['"]/gms;
  for (const m of source.matchAll(re)) out.push([m[1], m[2]]);
  return out;
}

const DOOR = /^(ops\/|engine\/|tensor\.ts$|variable\.ts$|autograd\.ts$|optimizers\/)/;

test('only ts/ops, tensor, variable, autograd and the optimizers call the engine bindings', (t) => {
  const offenders = [];
  for (const file of files(path.join(root, 'ts'), '.ts')) {
    const rel = path.relative(path.join(root, 'ts'), file);
    for (const [what, from] of imports(fs.readFileSync(file, 'utf8'))) {
      const target = path.relative(path.join(root, 'ts'), path.resolve(path.dirname(file), from));
      // (`* as backend` would reach `backend.call` too)
      const raw = (target === 'engine/backend.js' && /\bcall\b|^\*/.test(what)) || target === 'engine/glue.js' || target.startsWith('wasm/');
      if (raw && !DOOR.test(rel)) offenders.push(`${rel} imports ${what.replace(/\s+/g, ' ')} from ${from}`);
    }
  }
  t.deepEqual(offenders, []);
});

test('the check above sees an engine call where there is one', (t) => {
  const found = imports("import { call } from '../engine/backend.js';\nimport type { X } from './x.js';\nexport { a } from './a.js';");
  t.deepEqual(found, [['{ call }', '../engine/backend.js'], ['{ a }', './a.js']]);
});

test('the compiled modules import each other without cycles', (t) => {
  const dist = path.join(root, 'dist');
  const graph = new Map();
  for (const file of files(dist, '.js')) {
    const deps = imports(fs.readFileSync(file, 'utf8')).map(([, from]) => from).filter((f) => f.startsWith('.')).map((f) => path.resolve(path.dirname(file), f));
    graph.set(file, deps);
  }
  const cycles = [];
  const state = new Map(); // 1 = on the stack, 2 = done
  const stack = [];
  const visit = (f) => {
    state.set(f, 1);
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 1) cycles.push(stack.slice(stack.indexOf(d)).concat(d).map((p) => path.relative(dist, p)).join(' -> '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  t.true(graph.size > 20);
  t.deepEqual(cycles, []);
});

// Browser bundles swap engine/node.js for engine/node.browser.js (package.json
// "browser" map): any other module importing a Node built-in would put a
// `node:` import into every browser bundle.
test('only engine/node.ts imports Node built-ins, and the browser map replaces it', (t) => {
  const offenders = [];
  for (const file of files(path.join(root, 'ts'), '.ts')) {
    const rel = path.relative(path.join(root, 'ts'), file);
    if (rel === 'engine/node.ts') continue;
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from\s+|import\s*\(\s*)['"]((?:node:)?(?:fs|fs\/promises|path|url|os|zlib|worker_threads|child_process|crypto|util))['"]/g)) offenders.push(`${rel}: ${m[1]}`);
  }
  t.deepEqual(offenders, []);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  t.deepEqual(pkg.browser, { './dist/engine/node.js': './dist/engine/node.browser.js' });
  const exported = (f) => [...fs.readFileSync(path.join(root, 'ts/engine', f), 'utf8').matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
  t.deepEqual(exported('node.browser.ts'), exported('node.ts'), 'the browser twin has the same names');
});
