import { embedding, type Tensor, tf } from '@gptft/backend';
import type { Folder } from '@gptft/hub';
import type { GPT2Model } from '@gptft/gpt2-model';
import {
  type ClassificationFromPretrainedOptions,
  flatSequenceLabels,
  inferProblemType,
  loadHead,
  loadLinear,
  type ProblemType,
  type SequenceLabels,
} from './classification.js';
import { HeadModel, type HeadOutput } from './head-model.js';
import { Linear } from './linear.js';
import { bceWithLogits, crossEntropy, mse } from './losses.js';

/** Inputs of {@link GPT2ForSequenceClassification.forward}. */
export interface SequenceClassificationInput {
  inputIds: number[][];
  /** [B, T]; the pooled token is each row's last attended one (right or left padding). */
  attentionMask?: number[][];
  /** Class ids [B] (single-label), values [B] or [B, 1] (regression), or multi-hot [B, numLabels]. */
  labels?: SequenceLabels;
  outputHiddenStates?: boolean;
}

/**
 * GPT-2 with a classification head on the last real token (transformers'
 * `GPT2ForSequenceClassification`): `score.weight` [numLabels, C], no bias. Pooled position: the
 * attention mask's last 1 when a mask is given, else the last token that is not `pad_token_id`
 * (else the last position).
 */
export class GPT2ForSequenceClassification extends HeadModel {
  readonly taskType = 'SEQ_CLS';
  readonly headModuleNames = ['score'];
  constructor(transformer: GPT2Model, score?: Linear) {
    super(transformer);
    const c = transformer.config;
    this.addModule(
      'score',
      score ??
        new Linear(
          tf.randomNormal([c.numLabels, c.nEmbd], 0, c.initializerRange, 'float32', transformer.seeds.next()),
        ),
    );
  }

  get score(): Linear {
    return this.child<Linear>('score');
  }

  protected get architecture(): string {
    return 'GPT2ForSequenceClassification';
  }
  protected headTensors(): Record<string, Tensor> {
    return { 'score.weight': this.score.weight };
  }

  /** Loads a checkpoint; a plain GPT-2 checkpoint gets a new `score` (see `loadingInfo.newlyInitialized`). */
  static async fromPretrained(
    pathOrRepoId: string | Folder,
    options: ClassificationFromPretrainedOptions = {},
  ): Promise<GPT2ForSequenceClassification> {
    return loadHead(
      pathOrRepoId,
      options,
      /^(transformer\.)?score\.weight$/,
      (loaded, info, ignoreMismatched) => {
        const score = loadLinear(
          loaded,
          'score',
          loaded.model.config.numLabels,
          false,
          info,
          ignoreMismatched,
        );
        return new GPT2ForSequenceClassification(loaded.model, score);
      },
    );
  }

  /** The pooled position of each row. */
  poolIndices(inputIds: number[][], attentionMask?: number[][]): number[] {
    const pad = this.config.padTokenId;
    return inputIds.map((row, i) => {
      if (attentionMask) {
        const m = attentionMask[i]!;
        for (let t = m.length - 1; t >= 0; t--) if (m[t]) return t - (m.length - row.length);
        return row.length - 1;
      }
      if (typeof pad === 'number') {
        for (let t = row.length - 1; t >= 0; t--) if (row[t] !== pad) return t;
      }
      return row.length - 1;
    });
  }

  /** Logits [B, numLabels] and, with labels, the loss for `problem_type` (CE, BCE or MSE). */
  forward(input: SequenceClassificationInput): HeadOutput {
    const out = this.transformer.forward({
      inputIds: input.inputIds,
      ...(input.attentionMask !== undefined && { attentionMask: input.attentionMask }),
      ...(input.outputHiddenStates !== undefined && { outputHiddenStates: input.outputHiddenStates }),
    });
    const h = out.lastHiddenState;
    const [b, t] = h.shape;
    const idx = this.poolIndices(input.inputIds, input.attentionMask);
    const logits = tf.tidy(() => {
      const flat = tf.reshape(h, [b * t, -1]);
      // `embedding` (not `tf.gather`): its gradient is a scatter-add that every backend has; tfjs'
      // gather gradient needs UnsortedSegmentSum, which wasm lacks.
      const pooled = embedding(
        flat,
        tf.tensor1d(
          idx.map((p, i) => i * t + p),
          'int32',
        ),
      );
      return this.score.forward(pooled);
    });
    if (!out.hiddenStates) h.dispose();
    const result: HeadOutput = { logits };
    if (out.hiddenStates) result.hiddenStates = out.hiddenStates;
    if (input.labels) result.loss = this.loss(logits, input.labels);
    return result;
  }

  private loss(logits: Tensor, labels: SequenceLabels): Tensor {
    const n = this.config.numLabels;
    const type: ProblemType = this.config.problemType ?? inferProblemType(n, labels);
    const values = flatSequenceLabels(labels);
    return tf.tidy(() => {
      if (type === 'single_label_classification') return crossEntropy(logits, values);
      const target = tf.tensor(Array.from(values), logits.shape, 'float32');
      if (type === 'regression') return mse(logits, target);
      return bceWithLogits(logits, target);
    });
  }
}
