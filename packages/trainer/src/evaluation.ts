/**
 * The evaluation loop (HF `evaluation_loop`): a model's loss, predictions and labels over a
 * dataset, without gradients. The loss is summed on the device and read once at the end;
 * predictions are read batch by batch (they are what the caller asked for).
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
 * Runs `steps` over `data` (call with the model in evaluation mode): mean loss and, with
 * `withPredictions`, the predictions and labels concatenated over batches (rows padded with -100).
 */
export function evaluationLoop<B>(
  data: Iterable<B>,
  steps: EvaluationSteps<B>,
  withPredictions: boolean,
): EvaluationLoopOutput {
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
        const p = steps.preprocessLogitsForMetrics
          ? steps.preprocessLogitsForMetrics(out.logits, out.labels)
          : out.logits;
        preds.push(p.arraySync() as NestedNumbers);
        if (out.labels !== undefined) {
          labels.push(
            out.labels instanceof tf.Tensor ? (out.labels.arraySync() as NestedNumbers) : out.labels,
          );
        }
      });
    }
    return {
      ...(lossSum && { loss: lossSum.dataSync()[0]! / lossWeight }),
      ...(withPredictions && { predictions: concatBatches(preds) }),
      ...(labels.length > 0 && { labelIds: concatBatches(labels) }),
    };
  } finally {
    (lossSum as tf.Scalar | undefined)?.dispose();
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
