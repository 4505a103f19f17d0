import type { tf } from '@gptft/backend';

/** What {@link TrainableModel.predictionStep} returns for one batch (HF `prediction_step`). */
export interface PredictionStepOutput {
  /** The batch's mean loss, when the batch has labels. */
  loss?: tf.Scalar;
  /** Predictions [batch, ...] (logits, or whatever `computeMetrics` wants). */
  logits: tf.Tensor;
  /** Labels [batch, ...] (class ids, token labels with -100, ...), when the batch has them. */
  labels?: tf.Tensor | number[] | number[][];
}

/** JSON-serialisable state of a model's random streams (e.g. the dropout seed sequence). */
export type RngState = number | string | boolean | null | RngState[] | { [key: string]: RngState };

/**
 * What the trainer needs from a model: its named trainable variables and a loss for a batch.
 * Any model (full GPT-2, a head, a LoRA-wrapped model) fits by exposing these two methods; the
 * optional ones enable more of the Trainer (see {@link trainableFromForward} for `forward`-style models).
 */
export interface TrainableModel<B> {
  /** The variables to train, with stable names (used for weight decay rules and checkpoints). */
  namedParameters(): [string, tf.Variable][];
  /** The scalar loss for one batch; called inside a gradient tape, must not dispose variables. */
  computeLoss(batch: B): tf.Scalar;
  /**
   * Optional: loss, predictions and labels of a batch, for `Trainer.predict` and `computeMetrics`
   * (without it, evaluation computes only the loss). Called inside `tf.tidy`, no gradients.
   */
  predictionStep?(batch: B): PredictionStepOutput;
  /** Optional: training mode on/off (dropout); the Trainer trains in training mode and evaluates without. */
  setTraining?(training: boolean): void;
  /** Optional: state of the model's random streams (dropout masks), saved in every checkpoint. */
  getRngState?(): RngState;
  /** Optional: restores {@link getRngState}'s value when resuming, so dropout masks replay exactly. */
  setRngState?(state: RngState): void;
  /**
   * Optional: called after every optimizer step with the (clipped) gradients that step applied, by
   * the names of {@link namedParameters}; `step` counts from 0. A model with a training schedule of
   * its own implements it (AdaLoRA's rank budget: HF PEFT's `update_and_allocate(global_step)`).
   */
  onOptimizerStep?(step: number, grads: Readonly<Record<string, tf.Tensor>>): void;
}
