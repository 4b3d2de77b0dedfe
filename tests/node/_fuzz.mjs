// Bounded fuzzing of the public API, run inside an isolated process (see
// reliability-fuzz.test.mjs). Returns what went wrong: results that were
// neither a success nor a typed SinewError, and engine crashes.

const ODD_VALUES = [0, 1, 2, 3, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, 200000000, 'same', 'valid', 'full', '', 'relu', 'softmax', [], [1], [2, 2], [-1, 3], [0, 0], [1.5], [[1]], [1, 2, 3, 4], {}, null, undefined, true];

function classify(sinew, e) {
  if (e instanceof sinew.EngineCrashedError) return `engine crashed: ${e.message}`;
  if (e instanceof sinew.SinewError) return null;
  return `untyped ${e?.name}: ${e?.message}`;
}

function describe(v) {
  if (v && typeof v === 'object' && 'shape' in v && 'dtype' in v) return v.isDisposed ? 'disposed tensor' : `${v.dtype}[${v.shape}]`;
  if (typeof v === 'number' || typeof v === 'string' || v === null || v === undefined || typeof v === 'boolean') return JSON.stringify(v) ?? String(v);
  return JSON.stringify(v);
}

/**
 * Random op calls: a tensor operand is a tensor (of a random shape and dtype,
 * or disposed), or one time in ten an odd value (null, a number, an array, a
 * plain object...); every other argument is a random odd value.
 */
export function fuzzOps(sinew, { seed, ms }) {
  const rnd = sinew.data.mulberry32(seed); // the library's seeded PRNG: the same seed gives the same cases
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const gone = sinew.tensor([1, 2]);
  gone.dispose();
  const tensors = [sinew.tensor(3), sinew.tensor([1, 2, 3]), sinew.tensor([[1, 2, 3], [4, 5, 6]]), sinew.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 1), sinew.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 2), sinew.zeros([0, 3]), sinew.tensor([0, 1, 2], [3], 'int32'), gone];
  // [name, number of tensor operands]; a list operand is 'list'.
  const ops = [
    ['matmul', 2], ['add', 2], ['sub', 2], ['mul', 2], ['div', 2], ['pow', 2], ['maximum', 2], ['conv2d', 2], ['maxPool', 1], ['avgPool', 1],
    ['conv2dBackpropFilter', 2], ['reshape', 1], ['transpose', 1], ['slice', 1], ['concat', 'list'], ['gather', 1], ['oneHot', 0],
    ['sum', 1], ['mean', 1], ['max', 1], ['min', 1], ['argMax', 1], ['softmax', 1], ['logSoftmax', 1], ['relu', 1], ['leakyRelu', 1],
    ['clipByValue', 1], ['fill', 0], ['zeros', 0], ['ones', 0], ['randomNormal', 0], ['randomUniform', 0], ['tensor', 0], ['softmaxCrossEntropy', 2],
    ['dropout', 1], ['exp', 1], ['log', 1], ['sqrt', 1], ['clone', 1],
    ['pad', 1], ['squeeze', 1], ['expandDims', 1], ['stack', 'list'], ['split', 1], ['unstack', 1], ['tile', 1], ['where', 3], ['cast', 1],
    ['keep', 1], ['variable', 1], ['depthwiseConv2d', 2], ['conv1d', 2], ['batchNorm', 5], ['moments', 1], ['topk', 1], ['norm', 1],
  ].filter(([n]) => typeof sinew[n] === 'function');
  const failures = [];
  let calls = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const [name, k] = pick(ops);
    const operand = () => (rnd() < 0.1 ? pick(ODD_VALUES) : pick(tensors));
    const args = k === 'list' ? [Array.from({ length: 1 + Math.floor(rnd() * 3) }, operand)] : Array.from({ length: k }, operand);
    const extra = Math.floor(rnd() * 5);
    for (let i = 0; i < extra; i++) args.push(pick(ODD_VALUES));
    calls++;
    try {
      const out = sinew.tidy(() => {
        sinew[name](...args);
      });
      void out;
    } catch (e) {
      const bad = classify(sinew, e);
      if (bad) failures.push(`${name}(${args.map(describe).join(', ')}): ${bad}`);
      if (e instanceof sinew.EngineCrashedError) break;
    }
  }
  const alive = sinew.matmul(sinew.tensor([[1, 2]]), sinew.tensor([[3], [4]])).dataSync()[0] === 11;
  return { calls, failures: [...new Set(failures)].slice(0, 30), alive };
}

/** Random mutations of a valid model.json + weights.bin, loaded and run. */
export async function fuzzModelFiles(sinew, { seed, ms }) {
  const rnd = sinew.data.mulberry32(seed); // the library's seeded PRNG: the same seed gives the same cases
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const { layers, io } = sinew;
  const model = sinew.sequential({
    layers: [
      layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1], activation: 'relu', padding: 'same' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  let art;
  await model.save({ save: async (a) => ((art = a), { modelArtifactsInfo: io.artifactsInfo(a) }) });
  model.dispose();
  const baseJson = io.toModelJson(art, ['weights.bin']);
  const baseBin = new Uint8Array(art.weightData);

  /** All [container, key] pairs of a JSON value. */
  const slots = (v, out = []) => {
    if (v && typeof v === 'object') for (const key of Object.keys(v)) {
      out.push([v, key]);
      slots(v[key], out);
    }
    return out;
  };
  const failures = [];
  let loads = 0, loaded = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const json = structuredClone(baseJson);
    let bin = baseBin.slice();
    const n = 1 + Math.floor(rnd() * 3);
    let text;
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (r < 0.7) {
        const [obj, key] = pick(slots(json));
        if (rnd() < 0.15) delete obj[key];
        else obj[key] = structuredClone(pick(ODD_VALUES)); // a copy: a shared array could become circular
      } else if (r < 0.85) {
        const cut = Math.floor(rnd() * (bin.length + 16));
        bin = cut <= bin.length ? bin.slice(0, cut) : Uint8Array.from([...bin, ...new Uint8Array(cut - bin.length)]);
      } else {
        for (let j = 0; j < 4; j++) bin[Math.floor(rnd() * bin.length)] = 0xff; // NaN patterns
      }
    }
    text = JSON.stringify(json);
    if (rnd() < 0.1) text = text.slice(0, Math.floor(rnd() * text.length));
    loads++;
    try {
      const m = await sinew.loadSequential({
        load: async () => io.artifactsFromModelJson(io.parseModelJson(text, 'model.json'), [[bin]], [['weights.bin']]),
      });
      loaded++;
      try {
        const shape = m.inputShape.slice(1);
        if (shape.every((d) => Number.isInteger(d) && d > 0) && shape.reduce((a, b) => a * b, 1) < 1e5) sinew.tidy(() => m.predict(sinew.zeros([2, ...shape])));
      } finally {
        m.dispose();
      }
    } catch (e) {
      const bad = classify(sinew, e);
      if (bad) failures.push(`${bad} (json ${text.slice(0, 300)})`);
      if (e instanceof sinew.EngineCrashedError) break;
    }
  }
  const alive = sinew.matmul(sinew.tensor([[1, 2]]), sinew.tensor([[3], [4]])).dataSync()[0] === 11;
  return { loads, loaded, failures: [...new Set(failures)].slice(0, 30), alive };
}

/**
 * Every exported function (top level and namespaces), class and Tensor method
 * called with null, undefined, a string, a plain object, true, numbers and an
 * array in its first arguments (a tensor beside them). Returns the calls that
 * threw something other than a SinewError (one per function).
 */
export async function sweepExports(sinew) {
  let x = sinew.tensor([[1, 2], [3, 4]]);
  const fresh = () => (x.isDisposed ? (x = sinew.tensor([[1, 2], [3, 4]])) : x);
  const bads = { null: null, undefined: undefined, string: 'abc', object: {}, bool: true, num: 1.5, neg: -1, array: [[1, 2]] };
  const skip = new Set(['init', 'ready', 'setNumThreads', 'nextFrame', 'probeThreadPool', 'print']);
  const untyped = new Map();
  let calls = 0;
  const tryCall = async (what, f) => {
    calls++;
    try {
      const r = f();
      if (r && typeof r.then === 'function') await Promise.race([r, new Promise((q) => setTimeout(q, 200))]);
    } catch (e) {
      const key = what.replace(/\(.*/, '');
      if (!(e instanceof sinew.SinewError) && !untyped.has(key)) untyped.set(key, `${what}: ${e?.name}: ${e?.message}`);
    }
  };
  const spaces = { '': sinew, losses: sinew.losses, metrics: sinew.metrics, fused: sinew.fused, layers: sinew.layers, initializers: sinew.initializers, regularizers: sinew.regularizers, optimizers: sinew.optimizers, callbacks: sinew.callbacks, data: sinew.data, io: sinew.io, text: sinew.text, util: sinew.util, browser: sinew.browser, train: sinew.train };
  for (const [ns, obj] of Object.entries(spaces)) {
    for (const [n, f] of Object.entries(obj ?? {})) {
      if (typeof f !== 'function' || skip.has(n) || /Error$/.test(n) || ['Tensor', 'Variable', 'SymbolicTensor'].includes(n)) continue;
      const isClass = /^[A-Z]/.test(n);
      for (const [bn, b] of Object.entries(bads)) {
        for (const args of isClass ? [[b]] : [[b], [b, 'X'], ['X', b], ['X', 'X', b]]) {
          const name = `${ns ? ns + '.' : ''}${isClass ? 'new ' : ''}${n}(${args.map((a) => (a === 'X' ? 'x' : bn)).join(', ')})`;
          await tryCall(name, () => {
            const real = args.map((a) => (a === 'X' ? fresh() : a));
            return isClass ? new f(...real) : f(...real);
          });
        }
      }
    }
  }
  for (const m of Object.getOwnPropertyNames(Object.getPrototypeOf(x))) {
    if (m === 'constructor' || m === 'dispose' || m === 'print' || typeof x[m] !== 'function') continue;
    for (const [bn, b] of Object.entries(bads)) await tryCall(`x.${m}(${bn})`, () => fresh()[m](b));
  }
  const alive = sinew.matmul(sinew.tensor([[1, 2]]), sinew.tensor([[3], [4]])).dataSync()[0] === 11;
  return { calls, untyped: [...untyped.values()], alive };
}
