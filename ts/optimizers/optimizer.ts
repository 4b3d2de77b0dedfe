/**
 * `Optimizer`: the base of the Keras-style optimizers. A training step is one
 * engine call for all parameters (`optimizer_step`), with clipping and the
 * bias corrections done inside it. Per-parameter slots (moments,
 * accumulators) are engine tensors owned by the optimizer: created on first
 * use, never freed by `tidy`, freed by `dispose()`.
 */
import { call, isInitialized } from '../engine/backend.js';
import { untrack } from '../engine/scope.js';
import { InvalidArgumentError } from '../errors.js';
import { clone, fill, tensor } from '../ops/create.js';
import type { OptimizerKind } from '../ops/names.js';
import { Tensor, fmtShape } from '../tensor.js';
import { variableGrads } from '../autograd.js';
import { trainableVariables, type Variable } from '../variable.js';
import { deserializeSchedule, serializeSchedule, type LearningRateSchedule } from './schedules.js';
import { optionsArg } from '../options.js';

/** A constant rate, a schedule from `optimizers.*Decay`, or any function of the iteration. */
export type LearningRate = number | LearningRateSchedule | ((iteration: number) => number);

export interface OptimizerArgs {
  learningRate?: LearningRate;
  /** Clip each gradient to this L2 norm (Keras `clipnorm`). */
  clipnorm?: number;
  /** Clip every gradient element to [−clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Clip all gradients together to this global L2 norm (Keras `global_clipnorm`). */
  globalClipnorm?: number;
}

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Engine optimizer kinds (see `crates/engine/src/optim.rs`). */
/** The engine's update rules (`OPTIMIZERS` in ts/ops/names.ts, checked against the engine's table). */
export type { OptimizerKind };

/**
 * A finite number satisfying `ok`, or an `InvalidArgumentError` naming the
 * optimizer. For values only TypeScript uses; the engine's hyperparameters
 * are range-checked by the engine alone (see `Optimizer.checkHyper`).
 */
export function checkNumber(op: string, name: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw new InvalidArgumentError(`${op}: ${name} must be ${want}, got ${String(v)}`);
  }
  return v;
}

function checkLearningRate(op: string, lr: unknown): LearningRate {
  if (typeof lr === 'function') return lr as LearningRate;
  return checkNumber(op, 'learningRate', lr, (x) => x >= 0, 'a non-negative number or a schedule');
}

function optionalClip(op: string, name: string, v: number | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  return checkNumber(op, name, v, (x) => x > 0, 'a positive number');
}

interface SlotSet {
  variable: Tensor;
  slots: Map<string, Tensor>;
}

export abstract class Optimizer {
  /** Keras / TensorFlow.js class name (`'Adam'`, `'SGD'`, ...). */
  static readonly className: string = 'Optimizer';

  learningRate: LearningRate;
  clipnorm: number | undefined;
  clipvalue: number | undefined;
  globalClipnorm: number | undefined;
  /** Steps taken so far (the schedule's input, and Adam's bias-correction step − 1). */
  iterations = 0;

  /** Slots per parameter, keyed by the parameter's handle object. */
  readonly #slots = new Map<Tensor, SlotSet>();
  /** Slot values from `setWeights` for parameters not seen yet, by `variableName/slotName`. */
  readonly #pending = new Map<string, Tensor>();

  protected constructor(args: OptimizerArgs, defaultLearningRate: number) {
    const op = this.className;
    args = optionsArg(`new ${op}`, args);
    this.learningRate = checkLearningRate(op, args.learningRate ?? defaultLearningRate);
    this.clipnorm = optionalClip(op, 'clipnorm', args.clipnorm);
    this.clipvalue = optionalClip(op, 'clipvalue', args.clipvalue);
    this.globalClipnorm = optionalClip(op, 'globalClipnorm', args.globalClipnorm);
  }

  get className(): string {
    return (this.constructor as typeof Optimizer).className;
  }

  /** Engine kind for the current settings. */
  protected abstract kind(): OptimizerKind;
  /** The optimizer's own hyperparameters by engine name (`crates/engine/src/optim.rs`). */
  protected abstract ownHyper(): Record<string, number>;
  /** Slot names per parameter for the current settings, in the engine's order. */
  protected abstract slotNames(): readonly string[];
  /** Initial value of a slot (0, or AdaGrad's initial accumulator). */
  protected slotInitialValue(_slot: string): number {
    return 0;
  }
  /** The optimizer's own config entries (camelCase). */
  protected abstract ownConfig(): Record<string, unknown>;

  /** The learning rate the next step uses. */
  currentLearningRate(): number {
    const lr = this.learningRate;
    return typeof lr === 'number' ? lr : lr(this.iterations);
  }

  /**
   * Updates `vars[i]` with `grads[i]` in place: one engine call for all of
   * them. A `null` gradient skips its variable (Keras). The gradients are not
   * disposed. On an error (shapes, NaN hyperparameters, ...) nothing is changed.
   */
  applyGradients(vars: readonly Tensor[], grads: readonly (Tensor | null)[]): void;
  /** TensorFlow.js form: gradients keyed by variable name (e.g. from `variableGrads`). */
  applyGradients(grads: Record<string, Tensor> | readonly NamedTensor[]): void;
  applyGradients(a: readonly Tensor[] | Record<string, Tensor> | readonly NamedTensor[], b?: readonly (Tensor | null)[]): void {
    const op = this.className;
    let vars: Tensor[];
    let grads: (Tensor | null)[];
    if (b !== undefined) {
      if (!Array.isArray(a)) throw new InvalidArgumentError(`${op}.applyGradients: expected an array of variables`);
      vars = [...(a as Tensor[])];
      grads = [...b];
      if (vars.length !== grads.length) {
        throw new InvalidArgumentError(`${op}.applyGradients: got ${vars.length} variables but ${grads.length} gradients`);
      }
    } else {
      const entries: [string, Tensor][] = Array.isArray(a)
        ? (a as NamedTensor[]).map((n) => [n.name, n.tensor])
        : Object.entries(a as Record<string, Tensor>);
      const byName = new Map(trainableVariables().map((v) => [v.name, v]));
      vars = [];
      grads = [];
      for (const [name, g] of entries) {
        const v = byName.get(name);
        if (!v) throw new InvalidArgumentError(`${op}.applyGradients: no trainable variable named '${name}'`);
        vars.push(v);
        grads.push(g);
      }
    }
    const pairs = vars.map((v, i) => [v, grads[i]] as const).filter(([, g]) => g !== null && g !== undefined) as [Tensor, Tensor][];
    for (const [v, g] of pairs) {
      if (!(v instanceof Tensor) || !(g instanceof Tensor)) {
        throw new InvalidArgumentError(`${op}.applyGradients: variables and gradients must be tensors`);
      }
    }
    if (pairs.length === 0) return;

    const names = this.slotNames();
    const params = new Uint32Array(pairs.length);
    const gradIds = new Uint32Array(pairs.length);
    const slotIds = new Uint32Array(pairs.length * names.length);
    // Handles first (a disposed tensor throws here, before slots are made).
    pairs.forEach(([v, g], i) => {
      params[i] = v.id;
      gradIds[i] = g.id;
    });
    pairs.forEach(([v], i) => {
      const slots = this.#slotsOf(v, names);
      names.forEach((n, k) => {
        slotIds[i * names.length + k] = slots.get(n)!.id;
      });
    });
    const [hyperNames, values] = this.#hyper(this.currentLearningRate());
    if (!Number.isFinite(values[0]!)) {
      // Float32Array would turn an out-of-range rate into ±Infinity; say what it was.
      throw new InvalidArgumentError(`${this.kind()}: learningRate must be a finite number, got ${this.currentLearningRate()}`);
    }
    const kind = this.kind();
    const step = this.iterations + 1;
    call((g) => g.optimizer_step(kind, params, gradIds, slotIds, hyperNames, values, step));
    this.iterations = step;
  }

  /** Every hyperparameter of a step, as the engine's names (comma-separated) and values. */
  #hyper(learningRate: number): [string, Float32Array] {
    const all: Record<string, number> = { learningRate, ...this.ownHyper() };
    if (this.clipnorm !== undefined) all.clipnorm = this.clipnorm;
    if (this.globalClipnorm !== undefined) all.globalClipnorm = this.globalClipnorm;
    if (this.clipvalue !== undefined) all.clipvalue = this.clipvalue;
    return [Object.keys(all).join(','), Float32Array.from(Object.values(all))];
  }

  /**
   * Has the engine check the hyperparameters (ranges live there only), so a
   * bad value fails at construction; concrete optimizers call it last in
   * their constructor. Before `init()` the first step checks them instead.
   */
  protected checkHyper(): void {
    if (!isInitialized()) return;
    const lr = typeof this.learningRate === 'number' ? this.learningRate : 0;
    const [names, values] = this.#hyper(lr);
    const kind = this.kind();
    call((g) => g.optimizer_check(kind, names, values));
  }

  /**
   * TensorFlow.js `minimize`: gradients of `f()` (a scalar) with respect to
   * `varList` (default: every trainable variable), applied in one step. The
   * gradients are freed; the loss is returned when `returnCost`, else freed.
   */
  minimize(f: () => Tensor, returnCost: true, varList?: Variable[]): Tensor;
  minimize(f: () => Tensor, returnCost?: boolean, varList?: Variable[]): Tensor | null;
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const list = varList ?? trainableVariables();
    const { value, grads } = variableGrads(f, list);
    const used = list.filter((v) => grads[v.name] !== undefined);
    const gs = used.map((v) => grads[v.name]!);
    try {
      this.applyGradients(used, gs);
    } finally {
      disposeMany(gs);
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /** Creates the slots of `vars` now (Keras `build`); otherwise they are made on first use. */
  build(vars: readonly Tensor[]): void {
    const names = this.slotNames();
    for (const v of vars) this.#slotsOf(v, names);
  }

  /** Frees the slots of variables disposed since (their state can never be used again). */
  #prune(): void {
    for (const [v, set] of this.#slots) {
      if (!v.isDisposed) continue;
      for (const t of set.slots.values()) t.dispose();
      this.#slots.delete(v);
    }
  }

  #slotsOf(v: Tensor, names: readonly string[]): Map<string, Tensor> {
    let set = this.#slots.get(v);
    if (!set) {
      this.#prune();
      set = { variable: v, slots: new Map() };
      this.#slots.set(v, set);
    }
    for (const n of names) {
      if (set.slots.has(n)) continue;
      const key = `${slotPrefix(v)}/${n}`;
      const restored = this.#pending.get(key);
      if (restored && sameShape(restored.shape, v.shape)) {
        this.#pending.delete(key);
        set.slots.set(n, restored);
        continue;
      }
      const t = untracked(fill(v.shape, this.slotInitialValue(n)));
      set.slots.set(n, t);
    }
    return set.slots;
  }

  /** Number of engine tensors the optimizer holds (slots and restored values). */
  get numSlotTensors(): number {
    this.#prune();
    let n = this.#pending.size;
    for (const s of this.#slots.values()) n += s.slots.size;
    return n;
  }

  /**
   * Copies of the optimizer's state: `iter` (a scalar, the iteration count)
   * then each slot as `variableName/slotName`. The caller owns the tensors.
   */
  getWeights(): NamedTensor[] {
    this.#prune();
    const out: NamedTensor[] = [{ name: 'iter', tensor: tensor(this.iterations, [], 'int32') }];
    for (const set of this.#slots.values()) {
      for (const [n, t] of set.slots) out.push({ name: `${slotPrefix(set.variable)}/${n}`, tensor: clone(t) });
    }
    return out;
  }

  /**
   * Restores state saved by `getWeights` (values are copied; the caller keeps
   * ownership). Slots of variables not seen yet are used when they first are.
   */
  setWeights(weights: readonly NamedTensor[]): void {
    const op = `${this.className}.setWeights`;
    this.#prune();
    const byName = new Map<string, Tensor>();
    for (const set of this.#slots.values()) {
      for (const [n, t] of set.slots) byName.set(`${slotPrefix(set.variable)}/${n}`, t);
    }
    for (const { name, tensor: value } of weights) {
      if (name === 'iter') {
        const it = value.dataSync()[0]!;
        this.iterations = checkNumber(op, 'iter', it, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
        continue;
      }
      const slot = byName.get(name);
      if (slot) {
        if (!sameShape(slot.shape, value.shape)) {
          throw new InvalidArgumentError(`${op}: '${name}' has shape ${fmtShape(value.shape)} but the slot has shape ${fmtShape(slot.shape)}`);
        }
        const [dst, src] = [slot.id, value.id];
        call((g) => g.tensor_assign(dst, src));
      } else {
        const copy = untracked(clone(value));
        this.#pending.get(name)?.dispose();
        this.#pending.set(name, copy);
      }
    }
  }

  /** Keras-style config (camelCase): `learningRate`, clipping, the optimizer's own values. */
  getConfig(): Record<string, unknown> {
    const lr = this.learningRate;
    const config: Record<string, unknown> = {
      learningRate:
        typeof lr === 'number'
          ? lr
          : 'className' in lr && typeof (lr as LearningRateSchedule).getConfig === 'function'
            ? serializeSchedule(lr as LearningRateSchedule)
            : this.currentLearningRate(),
    };
    if (this.clipnorm !== undefined) config.clipnorm = this.clipnorm;
    if (this.clipvalue !== undefined) config.clipvalue = this.clipvalue;
    if (this.globalClipnorm !== undefined) config.globalClipnorm = this.globalClipnorm;
    return { ...config, ...this.ownConfig() };
  }

  /** Frees every slot. The optimizer stays usable (slots start afresh). */
  dispose(): void {
    for (const set of this.#slots.values()) for (const t of set.slots.values()) t.dispose();
    for (const t of this.#pending.values()) t.dispose();
    this.#slots.clear();
    this.#pending.clear();
  }
}

/** Turns a config's `learningRate` (number or serialized schedule) back into a rate. */
export function learningRateFromConfig(lr: unknown): LearningRate | undefined {
  if (lr === undefined || typeof lr === 'number' || typeof lr === 'function') return lr as LearningRate | undefined;
  return deserializeSchedule(lr as { className: string; config: Record<string, unknown> });
}

function slotPrefix(v: Tensor): string {
  const name = (v as { name?: unknown }).name;
  return typeof name === 'string' ? name : `tensor_${v.id}`;
}

/** `t`, no longer freed by an enclosing `tidy` (optimizer state lives until `dispose`). */
function untracked(t: Tensor): Tensor {
  untrack(t);
  return t;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Frees internal tensors (never handed to user code) with one engine call and
 * drops them from scope tracking. Their handles are left unreferenced; the
 * GC safety net's later `tensor_dispose` finds them gone, which is harmless
 * (engine ids are never reused).
 */
export function disposeMany(ts: readonly Tensor[]): void {
  const live = ts.filter((t) => !t.isDisposed);
  if (live.length === 0) return;
  const ids = Uint32Array.from(live.map((t) => t.id));
  for (const t of live) untrack(t);
  call((g) => g.tensors_dispose(ids));
}
