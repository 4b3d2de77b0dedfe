/**
 * What Dense and Conv2D share: a kernel, an optional bias, an activation, and
 * their initializers / regularizers (built, checked and serialized once here).
 */
import { getInitializer, initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import type { Variable } from '../variable.js';
import { activationName, type LayerActivation } from './activations.js';
import { Layer, type LayerArgs } from './layer.js';

export interface KernelLayerArgs extends LayerArgs {
  activation?: LayerActivation;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: Regularizer | 'l1l2' | 'l1' | 'l2';
  biasRegularizer?: Regularizer | 'l1l2' | 'l1' | 'l2';
}

/** Options of every kernel layer; TF.js's constraints and activity regularizer are accepted only when absent. */
export const KERNEL_OPTIONS = ['activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer'] as const;
export const KERNEL_VALUES = { kernelConstraint: [null], biasConstraint: [null], activityRegularizer: [null] } as const;

export abstract class KernelLayer extends Layer {
  readonly activation: LayerActivation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName | Initializer;
  readonly biasInitializer: InitializerName | Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(args: KernelLayerArgs = {} as KernelLayerArgs) {
    super(args);
    this.activation = activationName(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    // Resolved now so an unknown name fails here, not when the layer is built.
    getInitializer(this.kernelInitializer);
    getInitializer(this.biasInitializer);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
  }

  /** Creates `kernel` of `kernelShape` and, with `useBias`, `bias` of `[units]`. */
  protected buildKernel(kernelShape: number[], units: number): void {
    this.kernel = this.addWeight('kernel', kernelShape, this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [units], this.biasInitializer, { regularizer: this.biasRegularizer });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      activation: this.activation,
      use_bias: this.useBias,
      kernel_initializer: initializerConfig(this.kernelInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      kernel_regularizer: this.kernelRegularizer?.config ?? null,
      bias_regularizer: this.biasRegularizer?.config ?? null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}
