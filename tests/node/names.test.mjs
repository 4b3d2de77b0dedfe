// The engine's name tables (crates/engine/src/names.rs) and the TypeScript
// unions (ts/ops/names.ts) are the same lists: a name added on one side only
// fails here.
import test from 'ava';
import * as sinew from '../../dist/index.js';
import { call } from '../../dist/engine/backend.js';
import { NAME_TABLES } from '../../dist/ops/names.js';

test.before(async () => {
  await sinew.init();
});

test('every TypeScript name list equals the engine export', (t) => {
  const engine = JSON.parse(call((g) => g.name_tables()));
  t.deepEqual(Object.keys(NAME_TABLES).sort(), Object.keys(engine).sort());
  for (const [set, names] of Object.entries(engine)) t.deepEqual([...NAME_TABLES[set]], names, set);
});

test('each engine name is accepted by its op; unknown names list the choices', (t) => {
  const x = sinew.tensor([[-1.5, 0.25], [2, 3]]);
  for (const name of NAME_TABLES.activation) t.deepEqual(sinew.activation(name, x).shape, [2, 2], name);
  for (const name of NAME_TABLES.reduction) t.is(sinew[name](x).size, 1, name);
  const e = t.throws(() => sinew.activation('relu7', x), { instanceOf: sinew.InvalidArgumentError });
  t.is(e.message, `activation: unknown activation 'relu7' (expected one of ${NAME_TABLES.activation.join(', ')})`);
  x.dispose();
});

test('clipByValue and pow reach the engine under the names it reports in errors', (t) => {
  const x = sinew.tensor([1, 4]);
  t.deepEqual([...sinew.clipByValue(x, 2, 3).dataSync()], [2, 3]);
  t.deepEqual([...sinew.pow(x, 0.5).dataSync()], [1, 2]);
  t.throws(() => sinew.clipByValue(x, 3, 2), { instanceOf: sinew.InvalidArgumentError, message: /^clipByValue: min 3 must be <= max 2/ });
  x.dispose();
});

test('layers accept every engine activation plus softmax', (t) => {
  for (const name of [...NAME_TABLES.activation, 'softmax']) {
    const layer = sinew.layers.dense({ units: 2, activation: name, inputShape: [3] });
    t.is(layer.activation, name);
    layer.dispose();
  }
});

test('padding: each engine name is accepted; the TypeScript check and the engine reject alike', (t) => {
  const x = sinew.zeros([1, 4, 4, 1]);
  t.deepEqual(NAME_TABLES.padding.map((p) => sinew.maxPool(x, 2, 2, p).shape), [[1, 2, 2, 1], [1, 2, 2, 1]]);
  const checked = t.throws(() => sinew.maxPool(x, 2, 2, 'full'), { instanceOf: sinew.InvalidArgumentError });
  t.is(checked.message, "maxPool: padding must be 'same' or 'valid', got 'full'");
  // Past the TypeScript check, straight to the entry point: the engine's table says the same.
  const engine = t.throws(() => call((g) => g.op_pool('max', x.id, 2, 2, 2, 2, 'full')), { instanceOf: sinew.InvalidArgumentError });
  t.is(engine.message, "pool: padding must be 'same' or 'valid', got 'full'");
  x.dispose();
});
