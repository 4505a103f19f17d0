/**
 * The evaluation loop (HF `evaluation_loop`): a model's loss, predictions and labels over a
 * dataset, without gradients. The loss is summed on the device and read once at the end;
 * predictions are read batch by batch (they are what the caller asked for). Synchronous reads
 * (`evaluationLoop`) or asynchronous ones (`evaluationLoopAsync`, the Trainer's).
 */
import { tf } from '@gptft/backend';
import { type ComputeMetrics, concatBatches, type NestedNumbers } from './prediction.js';
import type { PredictionStepOutput } from './trainable-model.js';

/** How {@link evaluationLoop} runs a batch. */
export interface EvaluationSteps<B> {
  /** Loss, predictions and labels of a batch (`TrainableModel.predictionStep` or an override). */
  predictionStep(batch: B): PredictionStepOutput | undefined;
  /** The batch's loss, when there is no prediction step. */
  computeLoss(batch: B): tf.Scalar;
  /** Reduces logits before they are gathered (HF `preprocess_logits_for_metrics`). */
  preprocessLogitsForMetrics?: (logits: tf.Tensor, labels: PredictionStepOutput['labels']) => tf.Tensor;
}

/** What {@link evaluationLoop} returns. */
export interface EvaluationLoopOutput {
  /** Mean loss: weighted by batch size with a prediction step (HF), else each batch once. */
  loss?: number;
  predictions?: NestedNumbers;
  labelIds?: NestedNumbers;
}

/**
 * The loop of {@link evaluationLoop}, written once for both ways of reading: it yields each tensor
 * it needs on the host (the loss sum once at the end, predictions and labels batch by batch) and
 * gets its values back (`arraySync()` or `await array()`). It owns every tensor it yields.
 */
function* evaluationSteps<B>(
  data: Iterable<B>,
  steps: EvaluationSteps<B>,
  withPredictions: boolean,
): Generator<tf.Tensor, EvaluationLoopOutput, unknown> {
  const preds: NestedNumbers[] = [];
  const labels: NestedNumbers[] = [];
  let lossSum: tf.Scalar | undefined;
  let lossWeight = 0;
  const addLoss = (loss: tf.Scalar, weight: number) => {
    const prev = lossSum;
    lossSum = tf.keep(tf.add(prev ?? 0, tf.mul(loss, weight)) as tf.Scalar);
    prev?.dispose();
    lossWeight += weight;
  };
  try {
    for (const b of data) {
      // What the tidy keeps for the host (set inside it).
      const kept: { pred?: tf.Tensor; label?: tf.Tensor | NestedNumbers } = {};
      tf.tidy(() => {
        const out = steps.predictionStep(b);
        if (withPredictions && !out) {
          throw new Error(
            'Trainer: predictions need model.predictionStep (see trainableFromForward) or an overridden predictionStep',
          );
        }
        if (!out || (!out.loss && !withPredictions)) {
          addLoss(steps.computeLoss(b), 1);
          return;
        }
        if (out.loss) addLoss(out.loss, out.logits.shape[0] ?? 1);
        if (!withPredictions) return;
        kept.pred = tf.keep(
          steps.preprocessLogitsForMetrics
            ? steps.preprocessLogitsForMetrics(out.logits, out.labels)
            : out.logits,
        );
        kept.label = out.labels instanceof tf.Tensor ? tf.keep(out.labels) : out.labels;
      });
      const { pred, label } = kept;
      try {
        if (pred) preds.push((yield pred) as NestedNumbers);
        if (label instanceof tf.Tensor) labels.push((yield label) as NestedNumbers);
        else if (label !== undefined) labels.push(label);
      } finally {
        pred?.dispose();
        if (label instanceof tf.Tensor) label.dispose();
      }
    }
    const loss = lossSum && ((yield lossSum) as number) / lossWeight;
    return {
      ...(loss !== undefined && { loss }),
      ...(withPredictions && { predictions: concatBatches(preds) }),
      ...(labels.length > 0 && { labelIds: concatBatches(labels) }),
    };
  } finally {
    (lossSum as tf.Scalar | undefined)?.dispose();
  }
}

/**
 * Runs `steps` over `data` (call with the model in evaluation mode): mean loss and, with
 * `withPredictions`, the predictions and labels concatenated over batches (rows padded with -100).
 * Reads synchronously (`arraySync`); {@link evaluationLoopAsync} is the same loop with `await`ed reads.
 */
export function evaluationLoop<B>(
  data: Iterable<B>,
  steps: EvaluationSteps<B>,
  withPredictions: boolean,
): EvaluationLoopOutput {
  const run = evaluationSteps(data, steps, withPredictions);
  try {
    let next = run.next();
    while (!next.done) next = run.next(next.value.arraySync());
    return next.value;
  } finally {
    run.return({});
  }
}

/**
 * {@link evaluationLoop} with asynchronous reads (`await array()`), what the Trainer runs: a page's
 * WebGPU backend has no reliable synchronous read. Same values.
 */
export async function evaluationLoopAsync<B>(
  data: Iterable<B>,
  steps: EvaluationSteps<B>,
  withPredictions: boolean,
): Promise<EvaluationLoopOutput> {
  const run = evaluationSteps(data, steps, withPredictions);
  try {
    let next = run.next();
    while (!next.done) next = run.next(await next.value.array());
    return next.value;
  } finally {
    run.return({});
  }
}

/** `computeMetrics`' values with their keys prefixed (`eval_accuracy`), checked to be numbers. */
export function prefixedMetrics(
  compute: ComputeMetrics,
  out: EvaluationLoopOutput,
  prefix: string,
): Record<string, number> {
  const metrics = compute({
    predictions: out.predictions!,
    ...(out.labelIds !== undefined && { labelIds: out.labelIds }),
  });
  const res: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v !== 'number') throw new Error(`computeMetrics: "${k}" is not a number (${typeof v})`);
    res[k.startsWith(`${prefix}_`) ? k : `${prefix}_${k}`] = v;
  }
  return res;
}
