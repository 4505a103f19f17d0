import type { tf } from '@gptft/backend';

/**
 * What the trainer needs from a model: its named trainable variables and a loss for a batch.
 * Any model (full GPT-2, a head, a LoRA-wrapped model) fits by exposing these two methods.
 */
export interface TrainableModel<B> {
  /** The variables to train, with stable names (used for weight decay rules and checkpoints). */
  namedParameters(): [string, tf.Variable][];
  /** The scalar loss for one batch; called inside a gradient tape, must not dispose variables. */
  computeLoss(batch: B): tf.Scalar;
}
