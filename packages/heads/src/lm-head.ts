import { fusedLinearCrossEntropy, matMul, shiftLabels, type Tensor, tf } from '@gptft/backend';
import type { Folder } from '@gptft/hub';
import type { FromPretrainedOptions, GPT2Model, PastKeyValues } from '@gptft/gpt2-model';
import type { GenerateOptions } from './generate.js';
import { readGenerationConfig } from './generation-config.js';
import { HeadModel, type HeadOutput, headWeight, warnAfterLoading } from './head-model.js';
import { Linear } from './linear.js';
import { flatTokenLabels, type TokenLabels } from './losses.js';

/** Inputs of {@link GPT2LMHeadModel.forward}. */
export interface LMInput {
  inputIds: Tensor | number[][];
  attentionMask?: Tensor | number[][];
  /** Positions [B, T]; see `GPT2Model.forward`. */
  positionIds?: Tensor | number[][];
  /**
   * Packed rows: the document index of each token [B, T] (-1 on padding), so attention stays
   * inside a document (`@gptft/datasets` packing with `isolateDocuments`); see `GPT2Model.forward`.
   */
  documentIds?: Tensor | number[][];
  pastKeyValues?: PastKeyValues;
  useCache?: boolean;
  outputHiddenStates?: boolean;
  /**
   * Next-token labels of every position, [B, T] nested or flat row-major (a collator's
   * `Batch.labels`); shifted inside as in transformers; -100 is ignored.
   */
  labels?: TokenLabels;
  /**
   * transformers' `logits_to_keep`: compute logits for the last N positions only (0, the default:
   * all). `generate` uses 1, sparing the [T, V] product of the prompt's other positions.
   */
  logitsToKeep?: number;
}

/** Outputs of {@link GPT2LMHeadModel.forward}: logits [B, T, V]. */
export interface LMOutput extends HeadOutput {
  pastKeyValues?: PastKeyValues;
}

/**
 * GPT-2 with a language-modelling head (transformers' `GPT2LMHeadModel`): logits = hidden · Wᵀ
 * with W the token embedding `wte` (tied, the default) or `lm_head.weight` [V, C] when the config
 * has `tie_word_embeddings: false`.
 */
export class GPT2LMHeadModel extends HeadModel {
  /** Defaults for `generate`, from the folder's `generation_config.json` (set by `fromPretrained`). */
  generationConfig: GenerateOptions = {};
  readonly taskType = 'CAUSAL_LM';

  /** `lm_head` when the config unties it from `wte`; none for the tied head. */
  get headModuleNames(): readonly string[] {
    return this.config.tieWordEmbeddings ? [] : ['lm_head'];
  }

  constructor(transformer: GPT2Model, lmHead?: Tensor) {
    super(transformer);
    if (!transformer.config.tieWordEmbeddings) {
      const c = transformer.config;
      this.addModule(
        'lm_head',
        new Linear(lmHead ?? tf.randomNormal([c.vocabSize, c.nEmbd], 0, c.initializerRange)),
      );
    } else lmHead?.dispose();
  }

  /** The weight the logits are computed with, [V, C]. */
  get lmHeadWeight(): Tensor {
    return this.config.tieWordEmbeddings ? this.transformer.wte.weight : this.child<Linear>('lm_head').weight;
  }

  protected get architecture(): string {
    return 'GPT2LMHeadModel';
  }

  protected headTensors(): Record<string, Tensor> {
    return this.config.tieWordEmbeddings ? {} : { 'lm_head.weight': this.child<Linear>('lm_head').weight };
  }

  /** Loads a checkpoint folder or hub repo id (`lm_head.weight` used only when untied). */
  static async fromPretrained(
    pathOrRepoId: string | Folder,
    options: FromPretrainedOptions = {},
  ): Promise<GPT2LMHeadModel> {
    const loaded = await HeadModel.loadBackbone(pathOrRepoId, options);
    const c = loaded.model.config;
    try {
      const w = c.tieWordEmbeddings
        ? undefined
        : headWeight(loaded, 'lm_head.weight', [c.vocabSize, c.nEmbd]);
      const m = new GPT2LMHeadModel(loaded.model, w && tf.tensor2d(w.values, [c.vocabSize, c.nEmbd]));
      m.generationConfig = await readGenerationConfig(loaded.source);
      m.loadingInfo = {
        newlyInitialized: !c.tieWordEmbeddings && !w ? ['lm_head.weight'] : [],
        unexpectedKeys: loaded.plan.unusedKeys.filter((k) => !/^(transformer\.)?lm_head\.weight$/.test(k)),
        mismatchedKeys: [],
      };
      warnAfterLoading(loaded, 'GPT2LMHeadModel', m.loadingInfo, options.onWarning);
      return m.eval();
    } catch (e) {
      loaded.model.dispose();
      throw e;
    }
  }

  /** Logits [B, T, V], and the mean shifted next-token loss when `labels` are given. */
  forward(input: LMInput): LMOutput {
    const out = this.transformer.forward({
      inputIds: input.inputIds,
      ...(input.attentionMask !== undefined && { attentionMask: input.attentionMask }),
      ...(input.positionIds !== undefined && { positionIds: input.positionIds }),
      ...(input.documentIds !== undefined && { documentIds: input.documentIds }),
      ...(input.pastKeyValues !== undefined && { pastKeyValues: input.pastKeyValues }),
      ...(input.useCache !== undefined && { useCache: input.useCache }),
      ...(input.outputHiddenStates !== undefined && { outputHiddenStates: input.outputHiddenStates }),
    });
    const h = out.lastHiddenState;
    const [b, t, c] = h.shape;
    const keep = input.logitsToKeep ?? 0;
    if (!Number.isInteger(keep) || keep < 0)
      throw new Error(`logitsToKeep must be an integer ≥ 0 (got ${keep})`);
    if (keep > 0 && input.labels)
      throw new Error('logitsToKeep: the loss needs every position; leave it out with labels');
    const labels = input.labels && flatTokenLabels(input.labels, b, t);
    let logits: Tensor;
    let loss: Tensor | undefined;
    if (labels) {
      // The loss: @gptft/backend's fused linear + cross-entropy over every position, the label of
      // position t being labels[t+1] (the shift; each row's last position predicts nothing), so the
      // [B·T, V] logits' gradient is never held. The logits come out of the same chunked pass.
      const shifted = shiftLabels(labels, b, t, { keepLength: true });
      const fused = fusedLinearCrossEntropy(h, this.lmHeadWeight, shifted, { returnLogits: true });
      loss = fused.loss;
      logits = fused.logits!;
    } else {
      logits = tf.tidy(() => {
        const k = keep > 0 ? Math.min(keep, t) : t;
        const kept = k === t ? h : tf.slice(h, [0, t - k, 0], [b, k, c]);
        return tf.reshape(matMul(tf.reshape(kept, [b * k, c]), this.lmHeadWeight, false, true), [b, k, -1]);
      });
    }
    if (!out.hiddenStates) h.dispose();
    const result: LMOutput = { logits };
    if (out.pastKeyValues) result.pastKeyValues = out.pastKeyValues;
    if (out.hiddenStates) result.hiddenStates = out.hiddenStates;
    if (loss) result.loss = loss;
    return result;
  }
}
