// Worker side of benches/chromium-tierup.mjs (run in Sinew's engine Worker via
// `engine.run`): the bench's text-workload procedure (1 + 3 warm-up steps,
// then repetitions of 10 steps) on a fresh model, with a console.timeStamp
// before each phase so the Chrome trace can be cut at the same points.
import { TEXT_MODELS, textData, textModel } from './train-contenders.mjs';

export async function tierUpRun(sinew, { kind, threads, reps = 20 }) {
  sinew.setNumThreads(threads);
  const B = 64, len = TEXT_MODELS[kind].len;
  const d = textData(kind, 16 * B);
  const ds = (n) => ({ x: sinew.tensor(d.images.subarray(0, n * len), [n, len], 'int32'), y: sinew.tensor(d.labels.subarray(0, n), [n, 1]) });
  const m = textModel(sinew, kind);
  m.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 1e-3 }), loss: 'binaryCrossentropy' });
  const fit = (s) => m.fit(s.x, s.y, { epochs: 1, batchSize: B, shuffle: false, verbose: 0, yieldEvery: Infinity });
  const one = ds(B), warm = ds(3 * B), ten = ds(10 * B);
  console.timeStamp('warm-up');
  await fit(one);
  await fit(warm);
  const times = [];
  for (let r = 0; r < reps; r++) {
    console.timeStamp(`rep ${r}`);
    const t0 = performance.now();
    await fit(ten);
    times.push(performance.now() - t0);
  }
  console.timeStamp('done');
  m.dispose();
  for (const s of [one, warm, ten]) { s.x.dispose(); s.y.dispose(); }
  return { times };
}
