import { type Tensor, tf } from '@gptft/backend';
import { type FromPretrainedOptions, GPT2Model, type LoadedBackbone } from '@gptft/gpt2-model';
import { type HeadModel, headWeight, type LoadingInfo } from './head-model.js';
import { Linear } from './linear.js';

/** Loads a head's Linear from the checkpoint, or initialises it as transformers does. */
export function loadLinear(
  loaded: LoadedBackbone,
  name: string,
  outDim: number,
  withBias: boolean,
  info: LoadingInfo,
): Linear {
  const c = loaded.model.config;
  const w = headWeight(loaded, `${name}.weight`, [outDim, c.nEmbd]);
  const b = withBias ? headWeight(loaded, `${name}.bias`, [outDim]) : undefined;
  if (!w) info.newlyInitialized.push(`${name}.weight`);
  if (withBias && !b) info.newlyInitialized.push(`${name}.bias`);
  const weight = w
    ? tf.tensor2d(w.values, [outDim, c.nEmbd])
    : tf.randomNormal([outDim, c.nEmbd], 0, c.initializerRange, 'float32', loaded.model.seeds.next());
  const bias = withBias ? (b ? tf.tensor1d(b.values) : tf.zeros([outDim])) : undefined;
  return new Linear(weight, bias);
}

/** Loads backbone + head, filling `loadingInfo`; disposes everything on error. */
export async function loadHead<H extends HeadModel>(
  pathOrRepoId: string,
  options: FromPretrainedOptions,
  headKeys: RegExp,
  build: (loaded: LoadedBackbone, info: LoadingInfo) => H,
): Promise<H> {
  const loaded = await GPT2Model.loadPretrained(pathOrRepoId, options);
  const info: LoadingInfo = { newlyInitialized: [], unexpectedKeys: [] };
  try {
    const head = build(loaded, info);
    info.unexpectedKeys = loaded.plan.unusedKeys.filter((k) => !headKeys.test(k));
    head.loadingInfo = info;
    head.eval();
    return head;
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}

/** Classification problem types (config.json `problem_type`). */
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

/** Which problem type transformers infers when the config has none. */
export function inferProblemType(numLabels: number, labels: number[] | number[][]): ProblemType {
  if (numLabels === 1) return 'regression';
  const flat = (labels as Array<number | number[]>).flat();
  return Array.isArray(labels[0]) || flat.some((l) => !Number.isInteger(l))
    ? 'multi_label_classification'
    : 'single_label_classification';
}

export function disposeAll(...ts: Array<Tensor | undefined>): void {
  for (const t of ts) t?.dispose();
}
