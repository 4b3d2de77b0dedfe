#!/usr/bin/env node
// Perceptrons and logic gates. AND, OR and NAND are linearly separable: one
// unit (a perceptron) computes each. XOR is not: a single layer cannot get all
// four rows right, a network with a hidden layer can.
//
//   node examples/logic-gates.mjs
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';

export const INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const GATES = { AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], NAND: [1, 1, 1, 0], XOR: [0, 1, 1, 0] };

/** The classic perceptron: step(w·x + b) with hand-picked weights. */
export function perceptron(w, b) {
  return sinew.tidy(() => Array.from(sinew.step(sinew.add(sinew.matmul(sinew.tensor(INPUTS), sinew.tensor(w, [2, 1])), b)).dataSync()));
}

/** Trains `layers` on a gate's truth table; returns the rounded outputs. */
export async function learnGate(targets, hidden, { epochs = 400, seed = 1 } = {}) {
  const model = sinew.sequential();
  if (hidden) model.add(sinew.layers.dense({ units: hidden, activation: 'tanh', inputShape: [2], kernelInitializer: sinew.initializers.glorotUniform(seed) }));
  model.add(sinew.layers.dense({ units: 1, activation: 'sigmoid', ...(hidden ? {} : { inputShape: [2] }), kernelInitializer: sinew.initializers.glorotUniform(seed + 1) }));
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const x = sinew.tensor(INPUTS), y = sinew.tensor(targets, [4, 1]);
  const history = await model.fit(x, y, { epochs, batchSize: 4, verbose: 0, seed });
  const out = sinew.tidy(() => Array.from(model.predict(x).dataSync(), (p) => (p > 0.5 ? 1 : 0)));
  model.dispose();
  x.dispose();
  y.dispose();
  return { out, accuracy: history.history.acc.at(-1) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await sinew.init();
  console.log('Hand-set perceptrons, step(w·x + b):');
  console.log('  AND  w=[1,1]   b=-1.5 ->', perceptron([1, 1], -1.5).join(' '));
  console.log('  OR   w=[1,1]   b=-0.5 ->', perceptron([1, 1], -0.5).join(' '));
  console.log('  NAND w=[-1,-1] b=1.5  ->', perceptron([-1, -1], 1.5).join(' '));
  console.log('Learned (sigmoid unit, binary cross-entropy, Adam):');
  for (const gate of ['AND', 'OR', 'NAND', 'XOR']) {
    const single = await learnGate(GATES[gate], 0);
    console.log(`  ${gate.padEnd(4)} one layer:    ${single.out.join(' ')}  (target ${GATES[gate].join(' ')}, accuracy ${single.accuracy})`);
  }
  const xor = await learnGate(GATES.XOR, 4);
  console.log(`  XOR  hidden layer: ${xor.out.join(' ')}  (target ${GATES.XOR.join(' ')}, accuracy ${xor.accuracy})`);
}
