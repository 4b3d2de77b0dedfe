// The runnable examples as tests: each imports the example's exported functions
// and checks the result the example promises.
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sinew from '../../dist/index.js';
import { GATES, INPUTS, learnGate, perceptron } from '../../examples/logic-gates.mjs';
import { PEOPLE, score, trainGenderNet } from '../../examples/gender.mjs';
import { fitParabola, plot } from '../../examples/regression.mjs';

test.before(async () => {
  await sinew.init();
});

const accuracy = (out, target) => out.filter((v, i) => v === target[i]).length / target.length;

// --- logic gates ------------------------------------------------------------

test('logic gates: the four input rows are the full truth table', (t) => {
  t.deepEqual(INPUTS, [[0, 0], [0, 1], [1, 0], [1, 1]]);
  t.deepEqual(GATES.AND, [0, 0, 0, 1]);
  t.deepEqual(GATES.OR, [0, 1, 1, 1]);
  t.deepEqual(GATES.NAND, [1, 1, 1, 0]);
  t.deepEqual(GATES.XOR, [0, 1, 1, 0]);
});

test('logic gates: hand-set perceptrons step(w·x + b) compute AND, OR and NAND', (t) => {
  t.deepEqual(perceptron([1, 1], -1.5), GATES.AND);
  t.deepEqual(perceptron([1, 1], -0.5), GATES.OR);
  t.deepEqual(perceptron([-1, -1], 1.5), GATES.NAND);
  // and a wrong bias really gives another table (the check is not vacuous)
  t.notDeepEqual(perceptron([1, 1], -0.5), GATES.AND);
});

for (const gate of ['AND', 'OR', 'NAND']) {
  test.serial(`logic gates: one learned sigmoid unit gets ${gate} 100 % right`, async (t) => {
    const before = sinew.memory().numTensors;
    const { out, accuracy: acc } = await learnGate(GATES[gate], 0);
    t.deepEqual(out, GATES[gate]);
    t.is(acc, 1);
    t.is(sinew.memory().numTensors, before, 'learnGate frees its model and data');
  });
}

test('logic gates: a single layer cannot learn XOR (accuracy by predict ≤ 0.75)', async (t) => {
  for (const seed of [1, 2, 3]) {
    const { out } = await learnGate(GATES.XOR, 0, { seed });
    t.true(accuracy(out, GATES.XOR) <= 0.75, `seed ${seed}: ${out.join(' ')}`);
  }
});

test('logic gates: XOR with a hidden layer of 4 tanh units is 100 % right', async (t) => {
  const { out, accuracy: acc } = await learnGate(GATES.XOR, 4);
  t.deepEqual(out, GATES.XOR);
  t.is(acc, 1);
});

// --- gender network ---------------------------------------------------------

test('gender: the 2-2-1 network trained on 4 people scores Emily (−7,−3) > 0.9 and Frank (20,2) < 0.1', async (t) => {
  const { model, history } = await trainGenderNet();
  try {
    t.is(history.history.loss.length, 1000);
    t.true(history.history.loss.at(-1) < history.history.loss[0], 'the loss went down');
    for (const [name, x, label] of PEOPLE) {
      const p = score(model, x);
      t.true(label === 1 ? p > 0.5 : p < 0.5, `${name}: ${p}`);
    }
    const emily = score(model, [-7, -3]);
    const frank = score(model, [20, 2]);
    t.true(emily > 0.9, `Emily ${emily}`);
    t.true(frank < 0.1, `Frank ${frank}`);
  } finally {
    model.dispose();
  }
});

// --- regression -------------------------------------------------------------

test('regression: y = x² − 0.5 is fitted to a final MSE < 0.01 and the SVG holds data, network and target', async (t) => {
  const r = await fitParabola();
  t.is(r.loss.length, 500);
  t.true(r.loss.at(-1) < 0.01, `final MSE ${r.loss.at(-1)}`);
  t.is(r.x.length, 300);
  t.is(r.fit.length, 300);
  // the fitted curve is close to the true parabola (noise σ = 0.05)
  const err = r.x.reduce((s, x, i) => s + (r.fit[i] - (x * x - 0.5)) ** 2, 0) / r.x.length;
  t.true(err < 0.01, `MSE against the noiseless target ${err}`);

  const dir = await mkdtemp(join(tmpdir(), 'sinew-regression-'));
  try {
    const file = join(dir, 'regression.svg');
    await writeFile(file, plot(r));
    const svg = await readFile(file, 'utf8');
    t.regex(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    t.true(svg.trimEnd().endsWith('</svg>'));
    // the three series: their legend entries ...
    for (const name of ['data', 'network', 'x² − 0.5']) t.true(svg.includes(`>${name}</text>`), `legend entry ${name}`);
    // ... the 300 data points as dots, and the two curves as paths in their colours
    t.is((svg.match(/<circle /g) ?? []).length, 300);
    t.regex(svg, /<path d="M[^"]+" fill="none" stroke="#1b6ca8"/);
    t.regex(svg, /<path d="M[^"]+" fill="none" stroke="#e07a5f"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
