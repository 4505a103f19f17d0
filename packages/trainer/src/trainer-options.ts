import type { tf } from '@gptft/backend';
import type { TrainerCallbacks } from './callbacks.js';
import type { EarlyStoppingOptions } from './early-stopping.js';
import type { ComputeMetrics } from './prediction.js';
import type { ProgressStream } from './progress.js';
import type { PredictionStepOutput, TrainableModel } from './trainable-model.js';
import type { TrainingArguments, TrainingArgumentsInput } from './training-arguments.js';

/** Options of {@link Trainer}. */
export interface TrainerOptions<B, E = unknown> {
  model: TrainableModel<B>;
  args: TrainingArgumentsInput | TrainingArguments;
  /**
   * Training examples (HF `train_dataset`), batched by `args.perDeviceTrainBatchSize` with
   * `dataCollator`; each epoch visits them in a new seeded order (see `shuffle`), so batches are
   * made afresh every epoch.
   */
  trainDataset?: readonly E[];
  /** Evaluation examples (HF `eval_dataset`), batched in order by `args.perDeviceEvalBatchSize`. */
  evalDataset?: readonly E[];
  /** Examples to a batch (HF `data_collator`), e.g. a `@gptft/datasets` collator. */
  dataCollator?: (examples: readonly E[]) => B;
  /** Or: training batches of one epoch, already collated; each epoch visits them in a new order. */
  trainData?: readonly B[];
  /** Or: evaluation batches, already collated. */
  evalData?: readonly B[];
  /** Callbacks (HF `callbacks`): one object of hooks or a list, called in order. */
  callbacks?: TrainerCallbacks | readonly TrainerCallbacks[];
  /** Metrics from the predictions of the evaluation data (HF `compute_metrics`); needs `model.predictionStep`. */
  computeMetrics?: ComputeMetrics;
  /**
   * Reduces a batch's logits before they are gathered for `computeMetrics` (HF
   * `preprocess_logits_for_metrics`), e.g. `(l) => tf.argMax(l, -1)` to keep [B, T] instead of [B, T, V].
   */
  preprocessLogitsForMetrics?: (logits: tf.Tensor, labels: PredictionStepOutput['labels']) => tf.Tensor;
  /** Stop when `metricForBestModel` stops improving: adds an `EarlyStoppingCallback` with these options. */
  earlyStopping?: EarlyStoppingOptions;
  /** Writes the model into a folder (checkpoints, {@link Trainer.saveModel}); default: every parameter into `model.safetensors` (F32). */
  saveModel?: (dir: string) => Promise<void>;
  /** Reads the model back from a checkpoint folder; default reads `model.safetensors`. */
  loadModel?: (dir: string) => Promise<void>;
  /**
   * Visit the training examples (or batches) in a new seeded order each epoch, as HF's
   * `RandomSampler` (see `RandomSampler`). Default true; false: in order.
   */
  shuffle?: boolean;
  /** Non-finite loss or gradient norm: `'stop'` (default) throws, `'skip'` drops the step and counts it in `skippedSteps`. */
  onNonFinite?: 'stop' | 'skip';
  /**
   * Where AdamW keeps its moments: `'device'` (default, backend tensors) or `'host'` (JS memory,
   * update computed in JS): frees 2 × the parameters' bytes on the backend — what makes full
   * fine-tuning of GPT-2 small fit wasm's 4 GiB heap.
   */
  optimizerState?: 'device' | 'host';
  /** Tokens in a batch (for tokens/s); default: the batch's `numTokens` (a `@gptft/datasets` `Batch`). */
  numTokens?: (batch: B) => number | undefined;
  /**
   * Where progress goes (default `process.stderr`): a bar on a TTY, plain lines at logging steps
   * otherwise; `false` or `args.disableTqdm` for none.
   */
  progress?: ProgressStream | false;
  /** Append every log entry to `outputDir/log.jsonl` (default true); false writes nothing there (evaluation only). */
  logToFile?: boolean;
}
