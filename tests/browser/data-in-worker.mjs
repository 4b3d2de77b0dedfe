// Runs inside the engine Worker (`engine.run`): the data pipeline where a
// web app trains — an async generator of batches and a CSV fetched from the
// page's server, streamed into fitDataset.
export async function train(sinew, csvUrl) {
  const w = [0.5, -1, 2];
  const row = (i) => {
    const x = [Math.sin(i), Math.cos(1.3 * i), Math.sin(0.7 * i + 1)];
    return { xs: x, ys: [x[0] * w[0] + x[1] * w[1] + x[2] * w[2]] };
  };
  let pulled = 0;
  const gen = sinew.data.generator(async function* () {
    for (let i = 0; i < 64 * 40; i++) {
      pulled++;
      yield row(i);
    }
  }).batch(64).prefetch(2);
  const model = sinew.sequential({ layers: [sinew.layers.dense({ units: 1, inputShape: [3] })] });
  model.compile({ optimizer: new sinew.SGD({ learningRate: 0.2 }), loss: 'meanSquaredError' });
  let maxAhead = 0;
  // Rows read beyond the batches trained so far (each epoch restarts the generator).
  const callbacks = {
    onEpochBegin: () => { pulled = 0; },
    onBatchEnd: (b) => { maxAhead = Math.max(maxAhead, pulled - (b + 1) * 64); },
  };
  const h = await model.fitDataset(gen, { epochs: 2, callbacks });
  const rows = sinew.data.csv(csvUrl, { columnConfigs: { y: { isLabel: true } } });
  const columns = await rows.columnNames();
  const csv = rows.map(({ xs, ys }) => ({ xs: [xs.a, xs.b, xs.c], ys: [ys.y] })).batch(32);
  const h2 = await model.fitDataset(csv, { epochs: 1 });
  const evalLoss = (await model.evaluateDataset(csv)).dataSync()[0];
  model.dispose();
  return { loss: h.history.loss, csvLoss: h2.history.loss[0], evalLoss, columns, maxAhead, environment: sinew.backendInfo().environment };
}
