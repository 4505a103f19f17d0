import type { Tensor } from '@gptft/backend';
import type { Folder } from '@gptft/hub';
import {
  countNonFinite,
  emitLoadWarning,
  type FromPretrainedOptions,
  type GPT2Config,
  GPT2Model,
  type LoadedBackbone,
  nonFiniteWarning,
  type SavePretrainedOptions,
  type SeedSequence,
  unusedKeysWarning,
} from '@gptft/gpt2-model';
import { Module, type TaskModel, type TaskType } from '@gptft/nn';

/** Options of a head's `savePretrained`. */
export type HeadSaveOptions = SavePretrainedOptions;

/** Outputs of a head's forward pass; the caller owns (and disposes) every tensor. */
export interface HeadOutput {
  /** Mean loss, when labels were given. */
  loss?: Tensor;
  logits: Tensor;
  /** nLayer + 1 tensors [B, T, C] when `outputHiddenStates`. */
  hiddenStates?: Tensor[];
}

/** What `fromPretrained` reports about the head's weights (transformers' loading info). */
export interface LoadingInfo {
  /** Head weights absent from the checkpoint and initialised randomly (`['score.weight']`). */
  newlyInitialized: string[];
  /** Checkpoint keys used by neither the backbone nor the head. */
  unexpectedKeys: string[];
  /**
   * Head weights whose checkpoint shape differs from the model's (another `numLabels`), re-initialised
   * and also listed in `newlyInitialized` (transformers' `ignore_mismatched_sizes`).
   */
  mismatchedKeys: Array<{ key: string; checkpointShape: number[]; modelShape: number[] }>;
}

/**
 * Base of the heads: a {@link Module} whose child `transformer` is the `GPT2Model` backbone, so
 * `namedParameters()` yields transformers' names (`transformer.h.0.attn.c_attn.weight`, `score.weight`).
 * Each head declares its task and head modules ({@link TaskModel}), which PEFT reads.
 */
export abstract class HeadModel extends Module implements TaskModel {
  /** Filled by `fromPretrained`. */
  loadingInfo: LoadingInfo = { newlyInitialized: [], unexpectedKeys: [], mismatchedKeys: [] };
  /** transformers' `base_model_prefix` for GPT-2: the backbone is the child `transformer`. */
  readonly baseModelPrefix = 'transformer';
  /** The task in PEFT's names (`CAUSAL_LM`, `SEQ_CLS`, `TOKEN_CLS`). */
  abstract readonly taskType: TaskType;
  /** The head's own modules by child name (`['score']`; none for a tied LM head). */
  abstract readonly headModuleNames: readonly string[];

  constructor(transformer: GPT2Model) {
    super();
    this.addModule('transformer', transformer);
  }

  /** The backbone (a head can be moved to another backbone of the same width with {@link attach}). */
  get transformer(): GPT2Model {
    return this.child<GPT2Model>('transformer');
  }

  get config(): GPT2Config {
    return this.transformer.config;
  }

  /** The backbone's seed stream (dropout masks, head initialisation). */
  get seeds(): SeedSequence {
    return this.transformer.seeds;
  }

  /** Replaces the backbone (same `nEmbd`); returns the old one, which the caller now owns. */
  attach(transformer: GPT2Model): GPT2Model {
    if (transformer.config.nEmbd !== this.config.nEmbd) {
      throw new Error(
        `attach: backbone width ${transformer.config.nEmbd} differs from the head's ${this.config.nEmbd}`,
      );
    }
    return this.setSubmodule('transformer', transformer) as GPT2Model;
  }

  /** The head's own tensors by checkpoint key (tied weights excluded). */
  protected abstract headTensors(): Record<string, Tensor>;
  /** The class name written to config.json `architectures`. */
  protected abstract get architecture(): string;
  protected extraConfig(): Record<string, unknown> {
    return {};
  }

  /** Writes config.json + model.safetensors in the layout transformers loads for this class. */
  async savePretrained(dir: string, options: HeadSaveOptions = {}): Promise<void> {
    await this.transformer.savePretrained(dir, {
      ...options,
      extraTensors: this.headTensors(),
      extraConfig: { architectures: [this.architecture], ...this.extraConfig() },
    });
  }

  /** Loads the backbone; the caller builds the head from the open checkpoint. */
  protected static async loadBackbone(
    pathOrRepoId: string | Folder,
    options: FromPretrainedOptions,
  ): Promise<LoadedBackbone> {
    return GPT2Model.loadPretrained(pathOrRepoId, options);
  }
}

/**
 * A head weight from the checkpoint if present (shape checked), else `undefined`. A shape mismatch
 * throws, unless `mismatched` is given: then it is recorded there and `undefined` returned (the
 * caller re-initialises the weight).
 */
export function headWeight(
  loaded: LoadedBackbone,
  key: string,
  shape: number[],
  mismatched?: LoadingInfo['mismatchedKeys'],
): { values: Float32Array; key: string } | undefined {
  const { checkpoint, plan } = loaded;
  const found = plan.unusedKeys.find((k) => k === key || k === `transformer.${key}`);
  if (found === undefined) return undefined;
  const got = checkpoint.shape(found);
  if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
    if (mismatched) {
      mismatched.push({ key, checkpointShape: [...got], modelShape: [...shape] });
      return undefined;
    }
    throw new Error(
      `${loaded.folder}: tensor "${found}" has shape [${got.join(', ')}] but the head needs [${shape.join(', ')}]` +
        ' (to load it with another number of labels, pass numLabels / id2label: the head is then re-initialised)',
    );
  }
  const values = checkpoint.getFloat32(found);
  const { nan, inf } = countNonFinite(values);
  if (nan + inf > 0) loaded.plan.nonFinite.push({ key: found, nan, inf });
  return { values, key: found };
}

/**
 * Says what a head's loading left over, once the head has its weights: checkpoint tensors used by
 * neither backbone nor head, and head weights holding NaN/Inf (the backbone's were reported when
 * it loaded). See `FromPretrainedOptions.onWarning`.
 */
export function warnAfterLoading(
  loaded: LoadedBackbone,
  className: string,
  info: LoadingInfo,
  onWarning?: (message: string) => void,
): void {
  const unused = unusedKeysWarning(loaded.folder, className, info.unexpectedKeys);
  if (unused) emitLoadWarning(unused, onWarning);
  const backbone = new Set(loaded.plan.keys.values());
  const head = loaded.plan.nonFinite.filter((t) => !backbone.has(t.key));
  const where = loaded.checkpoint.files.length === 1 ? loaded.checkpoint.files[0]! : loaded.folder;
  const nonFinite = nonFiniteWarning(where, head);
  if (nonFinite) emitLoadWarning(nonFinite, onWarning);
}
