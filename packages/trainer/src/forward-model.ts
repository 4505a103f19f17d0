import type { tf } from '@gptft/backend';
import type { PredictionStepOutput, RngState, TrainableModel } from './trainable-model.js';

/**
 * A model in the style of `@gptft/heads` / transformers: `forward(input)` returns `{ loss?, logits }`
 * (loss when the input has labels), parameters by name, optionally train/eval mode and a dropout
 * seed stream (`seeds`, or `transformer.seeds` for a head).
 */
export interface ForwardModel<I> {
  forward(input: I): { loss?: tf.Tensor; logits: tf.Tensor };
  namedParameters(): [string, tf.Variable][];
  namedTrainableParameters?(): [string, tf.Variable][];
  train?(mode?: boolean): unknown;
  /** See {@link TrainableModel.onOptimizerStep} (a `PeftModel` passes it to its adapter). */
  onOptimizerStep?(step: number, grads: Readonly<Record<string, tf.Tensor>>): void;
  seeds?: SeedStream;
  transformer?: { seeds?: SeedStream };
}

/** A seed stream whose state is one number (`@gptft/gpt2-model`'s `SeedSequence`). */
interface SeedStream {
  readonly state: number;
  restore(state: number): void;
}

/**
 * A PEFT-wrapped model (`@gptft/peft`'s `PeftModel`) is a {@link ForwardModel}: its `forward` is the
 * wrapped head's (with the adapters, prompt learning and per-row adapters included), its trainable
 * parameters the adapters'. Nothing is recognised by its shape.
 * @deprecated use `ForwardModel<I>`.
 */
export type PeftLikeModel<I = unknown> = ForwardModel<I>;

/** Options of {@link trainableFromForward}. */
export interface ForwardModelOptions<B, I> {
  /** The forward input of a batch, labels included (e.g. `{ inputIds, attentionMask, labels }`). */
  toInput: (batch: B) => I;
  /** The batch's labels for `computeMetrics` (class ids [B], token labels [B, T] with -100). */
  labels?: (batch: B) => tf.Tensor | number[] | number[][];
}

/**
 * Adapts a `forward`-style model (a `@gptft/heads` class, or a `PeftModel` around one) to
 * {@link TrainableModel}: the loss and the logits come from `forward(toInput(batch))`, the trained
 * parameters are the trainable ones (a PEFT model's: its adapter's), training mode and the dropout
 * seed stream are passed through (so checkpoints store the RNG state).
 */
export function trainableFromForward<B, I>(
  model: ForwardModel<I>,
  options: ForwardModelOptions<B, I>,
): TrainableModel<B> {
  if (typeof model.forward !== 'function') {
    throw new TypeError('trainableFromForward: the model must have forward(input) (or be a PeftModel)');
  }
  const seeds = model.seeds ?? model.transformer?.seeds;
  const params = () =>
    model.namedTrainableParameters ? model.namedTrainableParameters() : model.namedParameters();
  const out: TrainableModel<B> = {
    namedParameters: params,
    computeLoss(batch) {
      // The caller's tape / tidy releases the logits.
      const r = model.forward(options.toInput(batch));
      if (!r.loss)
        throw new Error(
          'trainableFromForward: forward returned no loss; does toInput(batch) pass the labels?',
        );
      return r.loss as tf.Scalar;
    },
    predictionStep(batch): PredictionStepOutput {
      const r = model.forward(options.toInput(batch));
      const res: PredictionStepOutput = { logits: r.logits };
      if (r.loss) res.loss = r.loss as tf.Scalar;
      if (options.labels) res.labels = options.labels(batch);
      return res;
    },
  };
  if (model.train) out.setTraining = (training) => void model.train!(training);
  if (model.onOptimizerStep) out.onOptimizerStep = (step, grads) => model.onOptimizerStep!(step, grads);
  if (seeds) {
    out.getRngState = () => seeds.state;
    out.setRngState = (state: RngState) => {
      if (typeof state !== 'number')
        throw new Error(`rng state: expected a number, got ${JSON.stringify(state)}`);
      seeds.restore(state);
    };
  }
  return out;
}
