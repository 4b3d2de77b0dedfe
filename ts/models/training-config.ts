/**
 * The `trainingConfig` of model.json, written the way Keras reads it
 * (snake_case names and keys: `sparse_categorical_crossentropy`,
 * `learning_rate`, `beta_1`, `RMSprop`) — TF.js reads that form too, since
 * it converts Python names on load — and read back in either spelling
 * (Keras's, or the camelCase older TF.js / Sinew files hold).
 */
import { InvalidArgumentError } from '../errors.js';
import type { TrainingConfig } from '../io/handlers.js';
import { lossName } from '../losses.js';
import type { ResolvedMetric } from '../metrics.js';
import { deserialize as deserializeOptimizer } from '../optimizers/index.js';
import type { CompileArgs, Compiled } from './compile.js';

/** `learningRate` → `learning_rate`, `beta1` → `beta_1`, `sparseCategoricalCrossentropy` → `sparse_categorical_crossentropy`, `topKCategoricalAccuracy` → `top_k_categorical_accuracy`. */
export function snake(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').replace(/([a-z])([0-9])/g, '$1_$2').toLowerCase();
}

/** Keras's spellings of Sinew's optimizer class names (only where they differ). */
const KERAS_OPTIMIZER: Record<string, string> = { RMSProp: 'RMSprop' };

/** Keras-format config values: snake_case keys, nested `{ class_name, config }` (learning-rate schedules). */
function kerasConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v && typeof v === 'object' && 'className' in v) {
      const o = v as { className: string; config: Record<string, unknown> };
      out[snake(k)] = { class_name: o.className, config: kerasConfig(o.config) };
    } else {
      out[snake(k)] = v;
    }
  }
  return out;
}

// Keras and TF.js both read 'accuracy' and pick the variant from the loss, as Sinew does.
const metricName = (m: ResolvedMetric) => (m.key === 'acc' ? 'accuracy' : snake(m.key));

/**
 * The training config of a compiled model, or `null` when it cannot be
 * written by name (a custom loss or metric function): loading would not be
 * able to rebuild it. Several outputs: losses, weights and metrics keyed by
 * output name, as Keras writes them.
 */
export function toTrainingConfig(c: Compiled): TrainingConfig | null {
  if (c.outputs.some((o) => o.lossName === 'custom' || o.metrics.some((m) => m.custom))) return null;
  const single = c.outputs.length === 1 ? c.outputs[0]! : null;
  const byOutput = <T>(f: (o: Compiled['outputs'][number]) => T) => Object.fromEntries(c.outputs.map((o) => [o.name, f(o)]));
  return {
    optimizer_config: { class_name: KERAS_OPTIMIZER[c.optimizer.className] ?? c.optimizer.className, config: kerasConfig(c.optimizer.getConfig()) },
    loss: single ? snake(single.lossName) : byOutput((o) => snake(o.lossName)),
    metrics: single ? single.metrics.map(metricName) : byOutput((o) => o.metrics.map(metricName)),
    // tf.keras (Keras 2) reads these keys unconditionally.
    weighted_metrics: null,
    loss_weights: single ? null : byOutput((o) => o.weight),
  };
}

/**
 * A loss or metric name from a training config: a string (`'mse'`,
 * `'sparse_categorical_crossentropy'`, `'sparseCategoricalCrossentropy'`) or
 * Keras 3's serialized object (`{ class_name: 'SparseCategoricalCrossentropy', config }`).
 */
function nameOf(what: string, v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as { class_name?: unknown; config?: { from_logits?: unknown } } | null;
  if (o && typeof o === 'object' && typeof o.class_name === 'string') {
    // Sinew's losses by name take probabilities; a from_logits loss would be read silently wrong.
    if (o.config?.from_logits === true) throw new InvalidArgumentError(`model.json trainingConfig: ${what} ${o.class_name} with from_logits is not supported`);
    return o.class_name.charAt(0).toLowerCase() + o.class_name.slice(1);
  }
  throw new InvalidArgumentError(`model.json trainingConfig: ${what} must be a name, got ${JSON.stringify(v)}`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !('class_name' in v);
const mapValues = <T>(r: Record<string, unknown>, f: (v: unknown) => T) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v)]));

/** `compile` arguments from a training config in Keras or TF.js spelling (one output, or keyed by output name). */
export function compileArgsFromTrainingConfig(tc: TrainingConfig): CompileArgs {
  const loss = (v: unknown) => lossName(nameOf('loss', v));
  const metric = (v: unknown): unknown => (Array.isArray(v) ? v.map(metric) : nameOf('metric', v));
  if (tc.weighted_metrics?.length) throw new InvalidArgumentError('model.json trainingConfig: weighted_metrics are not supported');
  const opt = tc.optimizer_config as { class_name?: string; className?: string; config?: Record<string, unknown> };
  // Keras options Sinew's optimizers lack: fine when off (Keras writes them), rejected when on.
  for (const flag of ['amsgrad', 'use_ema']) {
    if (opt?.config?.[flag] === true) throw new InvalidArgumentError(`model.json trainingConfig: optimizer option ${flag} is not supported`);
  }
  const m = tc.metrics ?? [];
  return {
    optimizer: deserializeOptimizer(opt),
    loss: (Array.isArray(tc.loss) ? tc.loss.map(loss) : isRecord(tc.loss) ? mapValues(tc.loss, loss) : loss(tc.loss)) as CompileArgs['loss'],
    ...(tc.loss_weights != null ? { lossWeights: tc.loss_weights } : {}),
    metrics: (Array.isArray(m) ? m.map(metric) : mapValues(m, metric)) as CompileArgs['metrics'],
  };
}
