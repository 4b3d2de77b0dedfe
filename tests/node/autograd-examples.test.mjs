// The classic by-hand examples, reproduced through Sinew's ops and autograd.
import test from 'ava';
import * as sinew from '../../dist/index.js';
import { train } from '../../examples/theano-regression.mjs';

test.before(async () => {
  await sinew.init();
});

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

test('a sigmoid neuron with weights [0, 1], bias 4 and input [2, 3] outputs 0.9990889488055994', (t) => {
  const out = sinew.tidy(() => sinew.sigmoid(sinew.add(sinew.matmul(sinew.tensor([[2, 3]]), sinew.tensor([[0], [1]])), 4)));
  t.true(Math.abs(out.dataSync()[0] - 0.9990889488055994) < 1e-7);
});

// The 2-2-1 network: h = sigmoid(x·W1 + b1), o = sigmoid(h·W2 + b2).
function network(x, W1, b1, W2, b2) {
  return sinew.sigmoid(sinew.add(sinew.matmul(sinew.sigmoid(sinew.add(sinew.matmul(x, W1), b1)), W2), b2));
}

test('a 2-2-1 sigmoid network with every weight [0, 1] and bias 0 outputs 0.7216325609518421 for [2, 3]', (t) => {
  const out = sinew.tidy(() =>
    network(sinew.tensor([[2, 3]]), sinew.tensor([[0, 0], [1, 1]]), sinew.zeros([2]), sinew.tensor([[0], [1]]), sinew.zeros([1])),
  );
  t.true(Math.abs(out.dataSync()[0] - 0.7216325609518421) < 1e-7);
});

test('MSE of y_true [1, 0, 0, 1] and y_pred [0, 0, 0, 0] is 0.5', (t) => {
  const mse = sinew.tidy(() => sinew.mean(sinew.square(sinew.sub(sinew.tensor([1, 0, 0, 1]), sinew.zeros([4])))));
  t.is(mse.dataSync()[0], 0.5);
});

test('autograd equals the hand-derived partial derivatives of the 2-2-1 network on one sample', (t) => {
  // Weights w1..w6, biases b1..b3 as in the classic derivation:
  // h1 = σ(w1·x1 + w2·x2 + b1), h2 = σ(w3·x1 + w4·x2 + b2), o = σ(w5·h1 + w6·h2 + b3), L = (y − o)².
  const [w1, w2, w3, w4, w5, w6, b1, b2, b3] = [0.3, -0.7, 0.5, 0.2, -1.1, 0.8, 0.1, -0.4, 0.25];
  const [x1, x2, y] = [-2, -1, 1];
  const ds = (z) => sigmoid(z) * (1 - sigmoid(z));
  const s1 = w1 * x1 + w2 * x2 + b1, s2 = w3 * x1 + w4 * x2 + b2;
  const h1 = sigmoid(s1), h2 = sigmoid(s2);
  const so = w5 * h1 + w6 * h2 + b3, o = sigmoid(so);
  const dL_do = -2 * (y - o);
  const hand = {
    w1: dL_do * ds(so) * w5 * ds(s1) * x1, w2: dL_do * ds(so) * w5 * ds(s1) * x2, b1: dL_do * ds(so) * w5 * ds(s1),
    w3: dL_do * ds(so) * w6 * ds(s2) * x1, w4: dL_do * ds(so) * w6 * ds(s2) * x2, b2: dL_do * ds(so) * w6 * ds(s2),
    w5: dL_do * ds(so) * h1, w6: dL_do * ds(so) * h2, b3: dL_do * ds(so),
  };
  const g = sinew.tidy(() => {
    const W1 = sinew.tensor([[w1, w3], [w2, w4]]), B1 = sinew.tensor([b1, b2]);
    const W2 = sinew.tensor([[w5], [w6]]), B2 = sinew.tensor([b3]);
    const [gW1, gB1, gW2, gB2] = sinew.grads((a, b, c, d) => sinew.mean(sinew.square(sinew.sub(sinew.tensor([[y]]), network(sinew.tensor([[x1, x2]]), a, b, c, d)))))([W1, B1, W2, B2]);
    return { W1: gW1.arraySync(), B1: Array.from(gB1.dataSync()), W2: Array.from(gW2.dataSync()), B2: gB2.dataSync()[0] };
  });
  const auto = { w1: g.W1[0][0], w3: g.W1[0][1], w2: g.W1[1][0], w4: g.W1[1][1], b1: g.B1[0], b2: g.B1[1], w5: g.W2[0], w6: g.W2[1], b3: g.B2 };
  for (const k of Object.keys(hand)) t.true(Math.abs(auto[k] - hand[k]) < 1e-6 * (1 + Math.abs(hand[k])), `${k}: ${auto[k]} vs ${hand[k]}`);
});

test('Theano-style regression of y = x² − 0.5: cost < 0.01 within 1000 full-batch steps (seeded)', (t) => {
  const { costs } = train({ steps: 1000, seed: 1 });
  const first = costs.findIndex((c) => c < 0.01);
  t.log(`cost: start ${costs[0].toFixed(4)}, end ${costs.at(-1).toFixed(5)}, below 0.01 from step ${first + 1}`);
  t.true(first >= 0 && first < 1000);
  t.true(costs.at(-1) < 0.01);
  t.true(costs.at(-1) < costs[0] / 10);
});

test('10,000 tidy-wrapped training steps leave live tensors and WASM memory flat', (t) => {
  const w = sinew.variable(sinew.randomNormal([8, 4], 0, 0.1, 'float32', 3));
  const x = sinew.randomNormal([32, 8], 0, 1, 'float32', 4), y = sinew.randomNormal([32, 4], 0, 1, 'float32', 5);
  const step = () =>
    sinew.tidy(() => {
      const { grads } = sinew.variableGrads(() => sinew.mean(sinew.square(sinew.sub(sinew.tanh(sinew.matmul(x, w)), y))), [w]);
      w.assign(sinew.sub(w, sinew.mul(grads[w.name], 0.01)));
    });
  for (let i = 0; i < 200; i++) step();
  const warm = sinew.memory();
  for (let i = 0; i < 10_000; i++) step();
  const after = sinew.memory();
  t.is(after.numTensors, warm.numTensors);
  t.is(after.numBytes, warm.numBytes);
  t.is(after.wasmBytes, warm.wasmBytes);
});
