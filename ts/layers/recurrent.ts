/**
 * Recurrent layers: SimpleRNN, LSTM, GRU (as TF.js layers: tanh activation,
 * hard-sigmoid gates by default, GRU with the reset gate before the
 * recurrent product unless `resetAfter`, Keras 3's default). Each call is one engine op for the whole sequence,
 * forward and backward through time, whatever the number of steps.
 *
 * Initial states: call the layer on a list `[x, h0]` (LSTM: `[x, h0, c0]`),
 * as in Keras. A mask (from `embedding({ maskZero: true })`) makes padded
 * steps keep the previous state, so the final state is that of the last
 * real step.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { getInitializer, initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { fill, tensor } from '../ops/create.js';
import { reshape, reverse, slice } from '../ops/layout.js';
import { rnn, type RnnCell, type RnnGate } from '../ops/rnn.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';
import { isShapeList, type ShapeOrShapes } from './symbolic.js';

export interface RNNArgs extends LayerArgs {
  units: number;
  /** Only 'tanh' (the default) is supported. */
  activation?: 'tanh';
  /** Gates' activation (LSTM, GRU): 'hardSigmoid' (TF.js's default) or 'sigmoid' (Keras's). */
  recurrentActivation?: RnnGate | 'hard_sigmoid';
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  recurrentInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: Regularizer;
  recurrentRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  /** Return every step's output `[batch, steps, units]` instead of the last `[batch, units]`. */
  returnSequences?: boolean;
  /** Also return the final state(s): `[output, h]` (LSTM: `[output, h, c]`). */
  returnState?: boolean;
  /** Process the sequence from the last step to the first (outputs come in that order). */
  goBackwards?: boolean;
  /** LSTM: forget-gate bias initialised to 1. */
  unitForgetBias?: boolean;
  /** Not supported yet: must be 0. */
  dropout?: number;
  recurrentDropout?: number;
  /** Not supported: must be false. */
  stateful?: boolean;
  /** Accepted for compatibility: the sequence always runs as one fused op. */
  unroll?: boolean;
  implementation?: number | null;
  /**
   * GRU: apply the reset gate after the recurrent product, `ĥ = tanh(x·W_h +
   * b_h + r ⊙ (h·U_h + rb_h))`, with a bias of shape `[2, 3·units]` (input
   * and recurrent rows): Keras 3's default. Default false (TF.js's only form:
   * `ĥ = tanh(x·W_h + b_h + (r ⊙ h)·U_h)`).
   */
  resetAfter?: boolean;
}

const GATE_NAMES: Record<string, RnnGate> = { sigmoid: 'sigmoid', hardSigmoid: 'hardSigmoid', hard_sigmoid: 'hardSigmoid' };

export abstract class RNN extends Layer {
  static override readonly options = [
    'units', 'activation', 'recurrentActivation', 'useBias', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer',
    'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'returnSequences', 'returnState', 'goBackwards',
    'unitForgetBias', 'dropout', 'recurrentDropout', 'stateful', 'unroll', 'implementation', 'resetAfter',
  ];
  // (Keras 3 configs also carry zero_output_for_mask, false by default: masked
  // steps output the carried state, as here; and the dropout seed.)
  static override readonly optionValues = { kernelConstraint: [null], recurrentConstraint: [null], biasConstraint: [null], activityRegularizer: [null], zeroOutputForMask: [false], seed: [null] };
  protected abstract readonly cell: RnnCell;
  readonly units: number;
  readonly recurrentActivation: RnnGate;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly unitForgetBias: boolean;
  readonly kernelInitializer: InitializerName | Initializer;
  readonly recurrentInitializer: InitializerName | Initializer;
  readonly biasInitializer: InitializerName | Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias: Variable | null = null;
  readonly #args: RNNArgs;

  constructor(args: RNNArgs = {} as RNNArgs) {
    super(args);
    this.#args = { ...args };
    if (!(Number.isInteger(args.units) && args.units > 0)) throw new InvalidArgumentError(`${this.name}: units must be a positive integer, got ${args.units}`);
    if ((args.activation ?? 'tanh') !== 'tanh') throw new InvalidArgumentError(`${this.name}: only activation 'tanh' is supported, got '${String(args.activation)}'`);
    const gate = GATE_NAMES[String(args.recurrentActivation ?? 'hardSigmoid')];
    if (!gate) throw new InvalidArgumentError(`${this.name}: recurrentActivation must be 'hardSigmoid' or 'sigmoid', got '${String(args.recurrentActivation)}'`);
    for (const k of ['dropout', 'recurrentDropout'] as const) {
      if ((args[k] ?? 0) !== 0) throw new InvalidArgumentError(`${this.name}: ${k} is not supported yet (got ${args[k]}); use a Dropout layer before or after`);
    }
    if (args.stateful) throw new InvalidArgumentError(`${this.name}: stateful recurrent layers are not supported`);
    if (args.resetAfter && (this.constructor as typeof RNN).className !== 'GRU') throw new InvalidArgumentError(`${this.name}: resetAfter is a GRU option`);
    this.units = args.units;
    this.recurrentActivation = gate;
    this.useBias = args.useBias ?? true;
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.unitForgetBias = args.unitForgetBias ?? false;
    // TF.js's defaults.
    this.kernelInitializer = args.kernelInitializer ?? 'glorotNormal';
    this.recurrentInitializer = args.recurrentInitializer ?? 'orthogonal';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
  }

  /** A new, unbuilt layer of the same kind and options, with `changes` (Bidirectional's two directions). */
  cloneWith(changes: Partial<RNNArgs>): RNN {
    return new (this.constructor as new (a: RNNArgs) => RNN)({ ...this.#args, ...changes });
  }

  protected get gates(): number {
    return { simpleRNN: 1, lstm: 4, gru: 3, gruResetAfter: 3 }[this.cell];
  }
  /** States the layer carries: h (and c for LSTM). */
  protected get states(): number {
    return this.cell === 'lstm' ? 2 : 1;
  }

  #sequenceShape(s: ShapeOrShapes): SymbolicShape {
    const x = isShapeList(s) ? s[0]! : s;
    if (x.length !== 3) throw new ShapeError(`${this.name}: expected input of rank 3 [batch, steps, features], got shape [${x.map((d) => d ?? 'batch').join(',')}]`);
    return x;
  }

  override build(inputShape: ShapeOrShapes): void {
    const x = this.#sequenceShape(inputShape);
    const d = x[2];
    if (typeof d !== 'number') throw new ShapeError(`${this.name}: the feature dimension must be known`);
    const gu = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [d, gu], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, gu], this.recurrentInitializer, { regularizer: this.recurrentRegularizer });
    if (this.useBias) {
      const init = this.cell === 'lstm' && this.unitForgetBias ? forgetBiasOne(this.units, this.biasInitializer) : this.biasInitializer;
      // A reset-after GRU's bias has a second row, added to h·U (Keras's layout).
      this.bias = this.addWeight('bias', this.cell === 'gruResetAfter' ? [2, gu] : [gu], init, { regularizer: this.biasRegularizer });
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: ShapeOrShapes): ShapeOrShapes {
    const [b, t] = this.#sequenceShape(inputShape);
    const out: SymbolicShape = this.returnSequences ? [b ?? null, t ?? null, this.units] : [b ?? null, this.units];
    if (!this.returnState) return out;
    return [out, ...Array.from({ length: this.states }, (): SymbolicShape => [b ?? null, this.units])];
  }

  override computeMask(_x: Tensor | Tensor[], mask: Tensor | null): Tensor | null {
    return this.returnSequences && !this.returnState ? mask : null;
  }

  override call(inputs: Tensor | Tensor[], _training: boolean, mask?: Tensor | null): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    let x = list[0]!;
    if (x.rank !== 3) throw new ShapeError(`${this.name}: expected input of rank 3 [batch, steps, features], got shape [${x.shape.join(',')}]`);
    const [b, steps] = x.shape as [number, number];
    const given = list.slice(1);
    if (given.length !== 0 && given.length !== this.states) {
      throw new InvalidArgumentError(`${this.name}: expected ${this.states} initial state tensor(s) after the input (${this.cell === 'lstm' ? '[x, h0, c0]' : '[x, h0]'}), got ${given.length}`);
    }
    for (const s of given) {
      if (s.rank !== 2 || s.shape[0] !== b || s.shape[1] !== this.units) throw new ShapeError(`${this.name}: initial states must be [${b}, ${this.units}], got [${s.shape.join(',')}]`);
    }
    const [h0, c0] = given.length ? given : Array.from({ length: this.states }, () => fill([b, this.units], 0));
    let m = mask ?? null;
    if (m && (m.rank !== 2 || m.shape[0] !== b || m.shape[1] !== steps)) throw new ShapeError(`${this.name}: the mask must be [${b}, ${steps}], got [${m.shape.join(',')}]`);
    if (this.goBackwards) {
      x = reverse(x, 1);
      if (m) m = reverse(m, 1);
    }
    const y = rnn(this.cell, this.recurrentActivation, x, this.kernel, this.recurrentKernel, { h0: h0!, ...(c0 ? { c0 } : {}), ...(this.bias ? { bias: this.bias } : {}), mask: m });
    const u = this.units;
    const hs = this.states === 1 ? y : slice(y, [0, 0, 0], [b, steps, u]);
    const last = (from: number) => reshape(slice(y, [0, steps - 1, from], [b, 1, u]), [b, u]);
    const out = this.returnSequences ? hs : last(0);
    if (!this.returnState) return out;
    return this.states === 1 ? [out, last(0)] : [out, last(0), last(u)];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: 'tanh',
      use_bias: this.useBias,
      kernel_initializer: initializerConfig(this.kernelInitializer),
      recurrent_initializer: initializerConfig(this.recurrentInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: this.kernelRegularizer?.config ?? null,
      recurrent_regularizer: this.recurrentRegularizer?.config ?? null,
      bias_regularizer: this.biasRegularizer?.config ?? null,
      activity_regularizer: null,
      kernel_constraint: null,
      recurrent_constraint: null,
      bias_constraint: null,
      dropout: 0,
      recurrent_dropout: 0,
      return_sequences: this.returnSequences,
      return_state: this.returnState,
      go_backwards: this.goBackwards,
      stateful: false,
      unroll: false,
    };
  }
}

/** The bias initializer with the forget-gate block (the second of four) set to 1. */
function forgetBiasOne(units: number, base: InitializerName | Initializer): Initializer {
  const fn = (shape: readonly number[]): Tensor => {
    const v = getInitializer(base)([units * 4]);
    const data = v.dataSync().slice();
    v.dispose();
    data.fill(1, units, 2 * units);
    return tensor(data, [...shape]);
  };
  return Object.assign(fn, { config: initializerConfig(base) });
}


export class SimpleRNN extends RNN {
  static override readonly className = 'SimpleRNN';
  protected readonly cell = 'simpleRNN';
}

export class LSTM extends RNN {
  static override readonly className = 'LSTM';
  protected readonly cell = 'lstm';
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrent_activation: snakeGate(this.recurrentActivation), unit_forget_bias: this.unitForgetBias, implementation: null };
  }
}

export class GRU extends RNN {
  static override readonly className = 'GRU';
  readonly resetAfter: boolean;
  constructor(args: RNNArgs = {} as RNNArgs) {
    super(args);
    this.resetAfter = args.resetAfter ?? false;
  }
  protected get cell(): RnnCell {
    return this.resetAfter ? 'gruResetAfter' : 'gru';
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrent_activation: snakeGate(this.recurrentActivation), implementation: null, reset_after: this.resetAfter };
  }
}

const snakeGate = (g: RnnGate) => (g === 'hardSigmoid' ? 'hard_sigmoid' : g);
