/** `model.summary()`: the Keras layer table; for a graph, what each layer call receives. */
import type { LayersModel } from './functional.js';

const shape = (s: (number | null)[]) => `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;
const num = (n: number) => n.toLocaleString('en-US');

/** One row per layer call: name (class) and parameters on its first call, output shape(s), and inputs (`layer[node][tensor]`). */
function rows(model: LayersModel, connections: boolean): string[][] {
  const key = (t: Parameters<LayersModel['tensorKey']>[0]) => {
    const [l, n, i] = model.tensorKey(t);
    return `${l}[${n}][${i}]`;
  };
  return model.layers.flatMap((l) =>
    model.nodesOf(l).map((node, i) => {
      const row = [i === 0 ? `${l.name} (${l.className})` : '', node.outputs.map((t) => shape(t.shape)).join(', '), i === 0 ? num(l.countParams()) : ''];
      return connections ? [...row, node.inputs.map(key).join(', ')] : row;
    }),
  );
}

export function formatSummary(model: LayersModel, connections: boolean): string {
  const head = ['Layer (type)', 'Output Shape', 'Param #', ...(connections ? ['Receives inputs'] : [])];
  const body = rows(model, connections);
  const w = head.map((h, c) => Math.max([28, 22, 12, 20][c]!, h.length + 2, ...body.map((r) => r[c]!.length + 2)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('').trimEnd();
  const total = model.countParams();
  const trainable = model.trainableWeights.reduce((n, v) => n + v.size, 0);
  const rule = (c: string) => c.repeat(w.reduce((a, b) => a + b, 0));
  return [
    `Model: "${model.name}"`,
    rule('_'),
    line(head),
    rule('='),
    ...body.map(line),
    rule('='),
    `Total params: ${num(total)}`,
    `Trainable params: ${num(trainable)}`,
    `Non-trainable params: ${num(total - trainable)}`,
    rule('_'),
  ].join('\n');
}
