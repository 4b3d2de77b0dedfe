/** `model.summary()`: the Keras layer table; a functional model's adds what each layer receives. */
import type { LayersModel } from './functional.js';
import type { Sequential } from './sequential.js';

const shape = (s: (number | null)[]) => `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;
const num = (n: number) => n.toLocaleString('en-US');

type Row = string[];

/** Rows of a Sequential model: name (class), output shape, parameters. */
function chainRows(model: Sequential): Row[] {
  let s = model.inputShape;
  return model.layers.map((l) => {
    s = l.computeOutputShape(s) as typeof s;
    return [`${l.name} (${l.className})`, shape(s), num(l.countParams())];
  });
}

/** Rows of a functional model: one per layer call, with the tensors it receives (`layer[node][tensor]`). */
function graphRows(model: LayersModel): Row[] {
  const key = (t: Parameters<LayersModel['tensorKey']>[0]) => {
    const [l, n, i] = model.tensorKey(t);
    return `${l}[${n}][${i}]`;
  };
  return model.layers.flatMap((l) =>
    model.nodesOf(l).map((node, i) => [
      i === 0 ? `${l.name} (${l.className})` : '',
      node.outputs.map((t) => shape(t.shape)).join(', '),
      i === 0 ? num(l.countParams()) : '',
      node.inputs.map(key).join(', '),
    ]),
  );
}

export function formatSummary(model: Sequential | LayersModel): string {
  const graph = 'nodes' in model;
  const head = graph ? ['Layer (type)', 'Output Shape', 'Param #', 'Receives inputs'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const rows = graph ? graphRows(model) : chainRows(model);
  const w = head.map((h, c) => Math.max([28, 22, 12, 20][c]!, h.length + 2, ...rows.map((r) => r[c]!.length + 2)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('').trimEnd();
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((n, v) => n + v.size, 0);
  const rule = (c: string) => c.repeat(w.reduce((a, b) => a + b, 0));
  return [
    `Model: "${model.name}"`,
    rule('_'),
    line(head),
    rule('='),
    ...rows.map(line),
    rule('='),
    `Total params: ${num(total)}`,
    `Trainable params: ${num(trainable)}`,
    `Non-trainable params: ${num(total - trainable)}`,
    rule('_'),
  ].join('\n');
}
