import { type Tensor, tf } from '@gptft/backend';
import {
  type FromPretrainedOptions,
  GPT2Config,
  GPT2Model,
  type LoadedBackbone,
  resolveFolder,
} from '@gptft/gpt2-model';
import { type Folder, toFolder } from '@gptft/hub';
import { type HeadModel, headWeight, type LoadingInfo, warnAfterLoading } from './head-model.js';
import { Linear } from './linear.js';

/** Classification problem types (config.json `problem_type`). */
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

/**
 * `fromPretrained` options of the classification heads: transformers' config overrides
 * (`from_pretrained(dir, num_labels=…, id2label=…)`).
 */
export interface ClassificationFromPretrainedOptions extends FromPretrainedOptions {
  /** Number of labels (labels become `LABEL_i` unless `id2label` is given or the count is unchanged). */
  numLabels?: number;
  /** Label names by class id. */
  id2label?: Record<number, string>;
  /** Class ids by label name (default: the inverse of `id2label`). */
  label2id?: Record<string, number>;
  problemType?: ProblemType;
  /**
   * Re-initialise head weights whose checkpoint shape differs from the model's instead of failing
   * (transformers' `ignore_mismatched_sizes`); listed in `loadingInfo.mismatchedKeys`. Default: true
   * when `numLabels` or `id2label` is given, else false (a clear error).
   */
  ignoreMismatchedSizes?: boolean;
}

/** The config with the label overrides of `options` applied (transformers' `num_labels` / `id2label` kwargs). */
export function applyLabelOverrides(config: GPT2Config, o: ClassificationFromPretrainedOptions): GPT2Config {
  let id2label = o.id2label;
  if (o.numLabels !== undefined) {
    if (!Number.isInteger(o.numLabels) || o.numLabels < 1)
      throw new Error(`numLabels must be a positive integer (got ${o.numLabels})`);
    if (id2label && Object.keys(id2label).length !== o.numLabels) {
      throw new Error(
        `numLabels ${o.numLabels} disagrees with id2label, which has ${Object.keys(id2label).length} labels`,
      );
    }
    if (!id2label && config.numLabels !== o.numLabels)
      id2label = Object.fromEntries(Array.from({ length: o.numLabels }, (_, i) => [i, `LABEL_${i}`]));
  }
  if (id2label) {
    const ids = Object.keys(id2label).map(Number);
    const n = ids.length;
    if (ids.some((i) => !Number.isInteger(i) || i < 0 || i >= n))
      throw new Error(
        `id2label: keys must be the class ids 0..${n - 1} (got ${Object.keys(id2label).join(', ')})`,
      );
  }
  const label2id =
    o.label2id ??
    (id2label ? Object.fromEntries(Object.entries(id2label).map(([k, v]) => [v, Number(k)])) : undefined);
  return config.with({
    ...(id2label && { id2label }),
    ...(label2id && { label2id }),
    ...(o.problemType !== undefined && { problemType: o.problemType }),
  });
}

/** Loads a head's Linear from the checkpoint, or initialises it as transformers does. */
export function loadLinear(
  loaded: LoadedBackbone,
  name: string,
  outDim: number,
  withBias: boolean,
  info: LoadingInfo,
  ignoreMismatchedSizes = false,
): Linear {
  const c = loaded.model.config;
  const mismatched = ignoreMismatchedSizes ? info.mismatchedKeys : undefined;
  const w = headWeight(loaded, `${name}.weight`, [outDim, c.nEmbd], mismatched);
  const b = withBias ? headWeight(loaded, `${name}.bias`, [outDim], mismatched) : undefined;
  if (!w) info.newlyInitialized.push(`${name}.weight`);
  if (withBias && !b) info.newlyInitialized.push(`${name}.bias`);
  const weight = w
    ? tf.tensor2d(w.values, [outDim, c.nEmbd])
    : tf.randomNormal([outDim, c.nEmbd], 0, c.initializerRange, 'float32', loaded.model.seeds.next());
  const bias = withBias ? (b ? tf.tensor1d(b.values) : tf.zeros([outDim])) : undefined;
  return new Linear(weight, bias);
}

/**
 * Loads backbone + head, filling `loadingInfo`; disposes everything on error. Label overrides in
 * `options` change the config first; `build` gets whether mismatched head shapes may be re-initialised.
 */
export async function loadHead<H extends HeadModel>(
  pathOrRepoId: string | Folder,
  options: ClassificationFromPretrainedOptions,
  headKeys: RegExp,
  build: (loaded: LoadedBackbone, info: LoadingInfo, ignoreMismatchedSizes: boolean) => H,
): Promise<H> {
  const { numLabels, id2label, label2id, problemType, ignoreMismatchedSizes, ...hub } = options;
  const labelsGiven = numLabels !== undefined || id2label !== undefined || label2id !== undefined;
  let loadOptions: FromPretrainedOptions = hub;
  let from = pathOrRepoId;
  if (labelsGiven || problemType !== undefined) {
    from = typeof pathOrRepoId === 'string' ? await resolveFolder(pathOrRepoId, hub) : pathOrRepoId;
    const source = toFolder(from);
    const base = hub.config ?? (await GPT2Config.fromFolder(source));
    loadOptions = {
      ...hub,
      config: applyLabelOverrides(base, options),
      configSource: hub.config ? (hub.configSource ?? 'options.config') : source.pathOf('config.json'),
    };
  }
  const loaded = await GPT2Model.loadPretrained(from, loadOptions);
  const info: LoadingInfo = { newlyInitialized: [], unexpectedKeys: [], mismatchedKeys: [] };
  try {
    const head = build(loaded, info, ignoreMismatchedSizes ?? labelsGiven);
    info.unexpectedKeys = loaded.plan.unusedKeys.filter((k) => !headKeys.test(k));
    head.loadingInfo = info;
    warnAfterLoading(loaded, head.constructor.name, info, hub.onWarning);
    head.eval();
    return head;
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}

/**
 * Labels of a sequence classifier: one value per example ([B] class ids or regression values; a
 * plain array or a collator's `Int32Array`), or rows ([B, numLabels] multi-hot, [B, 1] regression).
 */
export type SequenceLabels = ArrayLike<number> | number[][];

/** {@link SequenceLabels} as one flat row-major array. */
export function flatSequenceLabels(labels: SequenceLabels): ArrayLike<number> {
  return Array.isArray(labels) && Array.isArray(labels[0])
    ? (labels as number[][]).flat()
    : (labels as ArrayLike<number>);
}

/** Which problem type transformers infers when the config has none. */
export function inferProblemType(numLabels: number, labels: SequenceLabels): ProblemType {
  if (numLabels === 1) return 'regression';
  if (Array.isArray(labels) && Array.isArray(labels[0])) return 'multi_label_classification';
  const flat = labels as ArrayLike<number>;
  for (let i = 0; i < flat.length; i++) if (!Number.isInteger(flat[i])) return 'multi_label_classification';
  return 'single_label_classification';
}

export function disposeAll(...ts: Array<Tensor | undefined>): void {
  for (const t of ts) t?.dispose();
}
