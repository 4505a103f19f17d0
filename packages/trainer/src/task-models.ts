/**
 * The models of the three tasks as the Trainer trains them, on `@gptft/datasets` batches (HF's
 * `AutoModelFor…` classes with `Trainer`): a causal LM, a sequence classifier, a token
 * classifier — a `@gptft/heads` model or a `PeftModel` around one. The collator's labels go to the
 * model's loss as they are (a flat `Int32Array`; the causal LM shifts them itself, once).
 */
import { tf } from '@gptft/backend';
import type { Batch } from '@gptft/datasets';
import { type ForwardModel, trainableFromForward } from './forward-model.js';
import type { TrainableModel } from './trainable-model.js';

/** A batch's `[B, T]` integer array as a tensor (made inside the Trainer's tidy/gradient scope). */
const tensor2d = (batch: Batch, values: Int32Array) => tf.tensor2d(values, batch.shape, 'int32');

/** A flat `[B, T]` array as rows. */
function rows(values: Int32Array, [b, t]: readonly number[]): number[][] {
  return Array.from({ length: b! }, (_, r) => Array.from(values.subarray(r * t!, (r + 1) * t!)));
}

/** The forward input of a causal LM for a batch (`GPT2LMHeadModel.forward` takes it). */
export interface CausalLMInput {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** The collator's labels: `[B, T]` row-major, unshifted (the model shifts), -100 where no loss. */
  labels: Int32Array;
  /** Packed blocks (and left padding) only. */
  positionIds?: tf.Tensor2D;
  /** Packed blocks with `isolateDocuments` only. */
  documentIds?: tf.Tensor2D;
}

/** {@link CausalLMInput} of a batch. */
export function causalLMInput(batch: Batch): CausalLMInput {
  const input: CausalLMInput = {
    inputIds: tensor2d(batch, batch.inputIds),
    attentionMask: tensor2d(batch, batch.attentionMask),
    labels: batch.labels,
  };
  if (batch.positionIds) input.positionIds = tensor2d(batch, batch.positionIds);
  if (batch.documentIds) input.documentIds = tensor2d(batch, batch.documentIds);
  return input;
}

/** The forward input of a sequence classifier (`GPT2ForSequenceClassification.forward`): ids as rows, for pooling. */
export interface SequenceClassificationInput {
  inputIds: number[][];
  attentionMask: number[][];
  /** Class ids `[B]`. */
  labels: Int32Array;
}

/** {@link SequenceClassificationInput} of a batch. */
export function sequenceClassificationInput(batch: Batch): SequenceClassificationInput {
  return {
    inputIds: rows(batch.inputIds, batch.shape),
    attentionMask: rows(batch.attentionMask, batch.shape),
    labels: batch.labels,
  };
}

/** The forward input of a token classifier (`GPT2ForTokenClassification.forward`). */
export interface TokenClassificationInput {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** Tag ids `[B, T]` row-major, -100 where no label. */
  labels: Int32Array;
}

/** {@link TokenClassificationInput} of a batch. */
export function tokenClassificationInput(batch: Batch): TokenClassificationInput {
  return {
    inputIds: tensor2d(batch, batch.inputIds),
    attentionMask: tensor2d(batch, batch.attentionMask),
    labels: batch.labels,
  };
}

/**
 * A batch's labels as nested arrays (`[B]` class ids or `[B, T]` rows with -100), what
 * `computeMetrics` receives as `labelIds` (HF's `EvalPrediction.label_ids`).
 */
export function batchLabels(batch: Batch): number[] | number[][] {
  return batch.labelsShape.length === 1 ? Array.from(batch.labels) : rows(batch.labels, batch.labelsShape);
}

/** A model (or `PeftModel` around one) whose `forward` takes input `I`. */
export type TaskModel<I> = ForwardModel<I>;

/**
 * A causal LM on causal-LM batches (`causalLMCollator`, `chatCollator`, packed blocks):
 * `GPT2LMHeadModel`, or a `PeftModel` around one (only the adapter trains). What `SFTTrainer`,
 * `gptft train --task causal-lm`, `pretrain` and `sft` train.
 */
export function causalLMTrainable(model: TaskModel<CausalLMInput>): TrainableModel<Batch> {
  return trainableFromForward(model, { toInput: causalLMInput, labels: batchLabels });
}

/**
 * A sequence classifier on `sequenceClassificationCollator` batches:
 * `GPT2ForSequenceClassification`, or a `PeftModel` around one (adapter and `score` train).
 */
export function sequenceClassificationTrainable(
  model: TaskModel<SequenceClassificationInput>,
): TrainableModel<Batch> {
  return trainableFromForward(model, { toInput: sequenceClassificationInput, labels: batchLabels });
}

/**
 * A token classifier on `tokenClassificationCollator` batches: `GPT2ForTokenClassification`, or
 * a `PeftModel` around one (adapter and `classifier` train).
 */
export function tokenClassificationTrainable(
  model: TaskModel<TokenClassificationInput>,
): TrainableModel<Batch> {
  return trainableFromForward(model, { toInput: tokenClassificationInput, labels: batchLabels });
}
