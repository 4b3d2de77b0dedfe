/**
 * Which weight of a weights file goes to which layer variable. Sinew, TF.js
 * and Keras 2 name weights `<layer>/<variable>` (`dense_1/kernel`); Keras 3
 * exports prefix the model name (`sequential_1/dense_1/kernel`) or use its
 * own layout (`layers/dense/vars/0`, with the optimizer's state as
 * `optimizer/vars/N`). Tried in turn, each complete or not at all:
 *   1. exact names;
 *   2. names ending in `/<layer>/<variable>`, when that suffix is unique;
 *   3. by layer and variable index: the file's weights grouped by layer
 *      (`layers/<name>/vars/<i>` → `layers/<name>`, else the name without its
 *      last part); a group whose last part names a layer goes to that layer
 *      — by its own name, or in Keras 3's `layers/<name>` layout by the name
 *      the .keras format gives it (the class in snake_case, `_<k>` for its
 *      k-th repeat in the model: `dense`, `dense_1`) — otherwise groups go to the layers with weights
 *      in file order (HDF5-derived files list groups alphabetically, so names
 *      win when they help); each group's weights in variable-index order.
 * Optimizer variables are skipped; any other weight left over is an error.
 */
import { InvalidArgumentError } from '../errors.js';
import type { NamedWeight } from '../io/weights.js';
import type { Layer } from '../layers/layer.js';
import type { Variable } from '../variable.js';

type Match = [Variable, NamedWeight][];

const isOptimizerVariable = (name: string) => /^optimizer(\/|_weights\/)/.test(name);

function byExactName(vars: readonly Variable[], file: NamedWeight[]): Match | null {
  const named = new Map(file.map((w) => [w.name, w]));
  const out: Match = [];
  for (const v of vars) {
    const w = named.get(v.name);
    if (!w) return null;
    out.push([v, w]);
  }
  return out;
}

function bySuffix(vars: readonly Variable[], file: NamedWeight[]): Match | null {
  const out: Match = [];
  for (const v of vars) {
    const hits = file.filter((w) => w.name.endsWith(`/${v.name}`));
    if (hits.length !== 1) return null;
    out.push([v, hits[0]!]);
  }
  return out;
}

/** `layers/dense/vars/1` → group `layers/dense`, index 1; `a/b/kernel` → group `a/b`, index by file order. */
function groupKey(name: string): { group: string; index: number | null } {
  const m = /^(.*)\/vars\/(\d+)$/.exec(name);
  if (m) return { group: m[1]!, index: Number(m[2]) };
  const cut = name.lastIndexOf('/');
  return { group: cut < 0 ? '' : name.slice(0, cut), index: null };
}

/** Keras 3's names for the layers in a .keras file: `<class in snake_case>` then `_1`, `_2`... per repeat. */
function kerasAttributeNames(layers: readonly Layer[]): Map<Layer, string> {
  const seen = new Map<string, number>();
  return new Map(layers.map((l) => {
    const base = l.className.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    return [l, k === 0 ? base : `${base}_${k}`];
  }));
}

/** The match by layer order, or why there is none. */
function byOrder(layers: readonly Layer[], file: NamedWeight[]): Match | string {
  const groups = new Map<string, { w: NamedWeight; index: number }[]>();
  for (const w of file) {
    const { group, index } = groupKey(w.name);
    const list = groups.get(group) ?? [];
    list.push({ w, index: index ?? list.length });
    groups.set(group, list);
  }
  // Keras 3's .keras layout names groups by its own per-model names, not the layers' names.
  const keras3 = [...groups.keys()].every((g) => /(^|\/)layers\/[^/]+$/.test(g));
  const aliases = kerasAttributeNames(layers);
  const nameOf = (l: Layer) => (keras3 ? aliases.get(l)! : l.name);
  const withWeights = layers.filter((l) => l.weights.length > 0);
  const named = withWeights.map((l) => [...groups.keys()].filter((g) => g === nameOf(l) || g.endsWith(`/${nameOf(l)}`)));
  const lists = named.every((g) => g.length === 1) && new Set(named.flat()).size === withWeights.length
    ? named.map((g) => groups.get(g[0]!)!)
    : [...groups.values()];
  if (lists.length !== groups.size) return `by layer order, the file has ${groups.size} groups of weights where ${withWeights.length} layers have weights`;
  const have = lists.map((l) => l.length), need = withWeights.map((l) => l.weights.length);
  if (have.join() !== need.join()) {
    return `by layer order, the file's groups hold [${have.join(', ')}] weights where the layers need [${need.join(', ')}]`;
  }
  const out: Match = [];
  for (const [i, layer] of withWeights.entries()) {
    const list = lists[i]!.sort((a, b) => a.index - b.index);
    layer.weights.forEach((v, j) => out.push([v, list[j]!.w]));
  }
  return out;
}

/**
 * Pairs every model variable (`vars`, in the model's weight order) with its
 * weight in the file, or throws naming what is missing or left over.
 */
export function matchWeights(layers: readonly Layer[], vars: readonly Variable[], fileWeights: NamedWeight[]): Match {
  const file = fileWeights.filter((w) => !isOptimizerVariable(w.name));
  const match = byExactName(vars, file) ?? bySuffix(vars, file) ?? byOrder(layers, file);
  if (typeof match === 'string') {
    const names = new Set(file.map((w) => w.name));
    const missing = vars.find((v) => !names.has(v.name))!;
    throw new InvalidArgumentError(
      `weights: '${missing.name}' is missing from the weights file (it has ${file.map((w) => w.name).join(', ') || 'nothing'}; ` +
        `and ${match})`,
    );
  }
  const used = new Set(match.map(([, w]) => w));
  const unused = file.filter((w) => !used.has(w));
  if (unused.length) throw new InvalidArgumentError(`weights: the file has weights no layer uses: ${unused.map((w) => w.name).join(', ')}`);
  return match;
}
