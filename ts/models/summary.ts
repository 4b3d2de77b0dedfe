/** `model.summary()`: the Keras layer table. */
import type { Sequential } from './sequential.js';

const shape = (s: (number | null)[]) => `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;
const num = (n: number) => n.toLocaleString('en-US');

export function formatSummary(model: Sequential): string {
  const rows: [string, string, string][] = [];
  let s = model.inputShape;
  for (const l of model.layers) {
    s = l.computeOutputShape(s);
    rows.push([`${l.name} (${l.className})`, shape(s), num(l.countParams())]);
  }
  const w = [Math.max(28, ...rows.map((r) => r[0].length + 2)), Math.max(22, ...rows.map((r) => r[1].length + 2)), 12];
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('').trimEnd();
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((n, v) => n + v.size, 0);
  const rule = (c: string) => c.repeat(w[0]! + w[1]! + w[2]!);
  return [
    `Model: "${model.name}"`,
    rule('_'),
    line(['Layer (type)', 'Output Shape', 'Param #']),
    rule('='),
    ...rows.map(line),
    rule('='),
    `Total params: ${num(total)}`,
    `Trainable params: ${num(trainable)}`,
    `Non-trainable params: ${num(total - trainable)}`,
    rule('_'),
  ].join('\n');
}
