import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '@gptft/backend';
import { SafetensorsFile, writeDirAtomic, writeSafetensors } from '@gptft/hub';
import { AdamW } from './adamw.js';
import { clipGradNorm } from './clip-grad-norm.js';
import { getScheduleLambda } from './lr-schedule.js';
import {
  type ComputeMetrics,
  concatBatches,
  type NestedNumbers,
  type PredictionOutput,
} from './prediction.js';
import { ProgressDisplay, type ProgressStream } from './progress.js';
import type { PredictionStepOutput, RngState, TrainableModel } from './trainable-model.js';
import {
  type LogEntry,
  type RngStateFile,
  rngStateSchema,
  type TrainerState,
  trainerStateSchema,
} from './trainer-state.js';
import {
  numWarmupSteps,
  parseTrainingArguments,
  type TrainingArguments,
  type TrainingArgumentsInput,
} from './training-arguments.js';

/** What a callback may ask for (HF `TrainerControl`). */
export interface TrainerControl {
  /** Stop after the current step (its evaluation and save still happen). */
  shouldTrainingStop?: boolean;
}

/** Callbacks, like HF `TrainerCallback` (`on_log`, `on_step_end`, `on_save`, `on_evaluate`). */
export interface TrainerCallbacks {
  onLog?(entry: LogEntry): void;
  /** Return `{ shouldTrainingStop: true }` to stop after this step. */
  onStepEnd?(state: { globalStep: number; loss: number; learningRate: number }): TrainerControl | unknown;
  onSave?(checkpointDir: string): void;
  /** Metrics of an evaluation (`eval_loss`, `eval_<metric>`) and the step. */
  onEvaluate?(metrics: Record<string, number> & { step: number }): TrainerControl | unknown;
}

/** Early stopping (HF `EarlyStoppingCallback`): needs `loadBestModelAtEnd` and evaluations. */
export interface EarlyStoppingOptions {
  /** Evaluations without improvement before stopping (HF `early_stopping_patience`, default 1). */
  patience?: number;
  /** How much the metric must improve to count (HF `early_stopping_threshold`, default 0). */
  threshold?: number;
}

/** Options of {@link Trainer}. */
export interface TrainerOptions<B> {
  model: TrainableModel<B>;
  args: TrainingArgumentsInput | TrainingArguments;
  /** Training batches of one epoch, already collated (e.g. by a `@gptft/datasets` collator), in order. */
  trainData: readonly B[];
  evalData?: readonly B[];
  callbacks?: TrainerCallbacks;
  /** Metrics from the predictions of `evalData` (HF `compute_metrics`); needs `model.predictionStep`. */
  computeMetrics?: ComputeMetrics;
  /**
   * Reduces a batch's logits before they are gathered for `computeMetrics` (HF
   * `preprocess_logits_for_metrics`), e.g. `(l) => tf.argMax(l, -1)` to keep [B, T] instead of [B, T, V].
   */
  preprocessLogitsForMetrics?: (logits: tf.Tensor, labels: PredictionStepOutput['labels']) => tf.Tensor;
  /** Stop when `metricForBestModel` stops improving (HF `EarlyStoppingCallback`). */
  earlyStopping?: EarlyStoppingOptions;
  /** Writes the model into a checkpoint folder; default: every parameter into `model.safetensors` (F32). */
  saveModel?: (dir: string) => Promise<void>;
  /** Reads the model back from a checkpoint folder; default reads `model.safetensors`. */
  loadModel?: (dir: string) => Promise<void>;
  /**
   * Visit the training batches in a new seeded order each epoch (permutation from `args.seed` and
   * the epoch number, so resuming sees the same order). Default true, as HF's RandomSampler; false: in order.
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
}

const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'trainer_state.json';
const RNG_FILE = 'rng_state.json';

/**
 * A training loop like HF `Trainer`: AdamW, LR schedule with warmup, gradient accumulation,
 * global gradient clipping, logging, evaluation with metrics, prediction, best-model tracking,
 * early stopping, atomic checkpoints and resuming.
 *
 * Subclasses (e.g. a supervised fine-tuning trainer) can override {@link computeLoss} and
 * {@link predictionStep} to change how a batch becomes a loss or predictions.
 */
export class Trainer<B> {
  readonly args: TrainingArguments;
  readonly optimizer: AdamW;
  readonly logHistory: LogEntry[] = [];
  globalStep = 0;
  /** Optimizer steps dropped because of a non-finite loss or gradient (with `onNonFinite: 'skip'`). */
  skippedSteps = 0;
  /** Best value of `metricForBestModel` so far (HF `state.best_metric`). */
  bestMetric: number | undefined;
  /** The checkpoint folder of {@link bestMetric} (HF `state.best_model_checkpoint`). */
  bestModelCheckpoint: string | undefined;
  /** Evaluations in a row without enough improvement (early stopping). */
  earlyStoppingPatienceCounter = 0;
  protected readonly model: TrainableModel<B>;
  private microBatchesSeen = 0;
  private shuffleSeed: number;
  private progress: ProgressDisplay | undefined;
  private inTrain = false;

  constructor(protected readonly opts: TrainerOptions<B>) {
    this.args = parseTrainingArguments(opts.args as TrainingArgumentsInput);
    this.model = opts.model;
    if (opts.trainData.length === 0) throw new Error('Trainer: trainData is empty');
    if (opts.earlyStopping) {
      if (!this.args.loadBestModelAtEnd) {
        throw new Error(
          'Trainer: earlyStopping requires args.loadBestModelAtEnd (and so evaluations and a metric)',
        );
      }
      const p = opts.earlyStopping.patience ?? 1;
      if (!Number.isInteger(p) || p < 1)
        throw new Error(`Trainer: earlyStopping.patience must be an integer ≥ 1, got ${p}`);
    }
    if (this.args.evalStrategy !== 'no' && !opts.evalData?.length) {
      throw new Error(`Trainer: args.evalStrategy is "${this.args.evalStrategy}" but evalData is empty`);
    }
    this.shuffleSeed = this.args.seed;
    this.optimizer = new AdamW(opts.model.namedParameters(), {
      lr: this.args.learningRate,
      beta1: this.args.adamBeta1,
      beta2: this.args.adamBeta2,
      eps: this.args.adamEpsilon,
      weightDecay: this.args.weightDecay,
      stateLocation: opts.optimizerState ?? 'device',
    });
  }

  /** Optimizer steps per epoch: HF's `ceil(batches / gradientAccumulationSteps)`. */
  get updatesPerEpoch(): number {
    return Math.ceil(this.opts.trainData.length / this.args.gradientAccumulationSteps);
  }

  /** Optimizer steps of the whole run (HF: maxSteps, or ceil(updatesPerEpoch * epochs)). */
  get maxSteps(): number {
    if (this.args.maxSteps > 0) return this.args.maxSteps;
    return Math.ceil(this.updatesPerEpoch * this.args.numTrainEpochs);
  }

  /**
   * The micro-batches of optimizer step `step` (0-based), as HF 4.46+ groups them: each epoch is
   * cut into windows of `gradientAccumulationSteps` batches and the last window of an epoch takes
   * the remainder (it still steps the optimizer; a window never spans two epochs).
   */
  stepWindow(step: number): { epoch: number; batches: number[]; lastOfEpoch: boolean } {
    const n = this.opts.trainData.length;
    const ga = this.args.gradientAccumulationSteps;
    const u = this.updatesPerEpoch;
    const epoch = Math.floor(step / u);
    const w = step % u;
    const start = w * ga;
    const count = Math.min(ga, n - start);
    const batches = Array.from({ length: count }, (_, k) => this.batchIndex(epoch, start + k));
    return { epoch, batches, lastOfEpoch: w === u - 1 };
  }

  /** The loss of one training batch; override to change how a batch becomes a loss (called under a tape). */
  protected computeLoss(batch: B): tf.Scalar {
    return this.model.computeLoss(batch);
  }

  /**
   * Loss, predictions and labels of one batch (no gradients); override with {@link computeLoss}.
   * Evaluation takes its loss from here when this returns one, else from {@link computeLoss}.
   */
  protected predictionStep(batch: B): PredictionStepOutput | undefined {
    return this.model.predictionStep?.(batch);
  }

  /**
   * Trains to `maxSteps` (or until early stopping). `resumeFromCheckpoint`: `true` for the last
   * `checkpoint-N` in `outputDir`, or a checkpoint folder. Returns the mean training loss.
   */
  async train(
    options: { resumeFromCheckpoint?: boolean | string } = {},
  ): Promise<{ globalStep: number; trainingLoss: number }> {
    const { trainData } = this.opts;
    const a = this.args;
    const total = this.maxSteps;
    const schedule = getScheduleLambda(a.lrSchedulerType, numWarmupSteps(a, total), total);
    if (options.resumeFromCheckpoint) {
      const dir =
        typeof options.resumeFromCheckpoint === 'string'
          ? options.resumeFromCheckpoint
          : await this.lastCheckpoint();
      if (!dir) throw new Error(`resumeFromCheckpoint: no checkpoint-N folder in ${a.outputDir}`);
      await this.loadCheckpoint(dir);
    }
    const params = this.model.namedParameters();
    const vars = params.map(([, v]) => v);
    const stream = this.opts.progress ?? process.stderr;
    this.progress = stream && !a.disableTqdm ? new ProgressDisplay({ stream }) : undefined;
    this.progress?.start(total, this.globalStep);
    let lossSum = 0;
    let lossCount = 0;
    let runLoss = 0;
    let runCount = 0;
    let stop = false;
    this.inTrain = true;
    this.model.setTraining?.(true);
    try {
      while (this.globalStep < total && !stop) {
        this.optimizer.lr = a.learningRate * schedule(this.globalStep);
        const { epoch, batches, lastOfEpoch } = this.stepWindow(this.globalStep);
        const k = batches.length; // HF divides by the window's size (current_gradient_accumulation_steps)
        let acc: Record<string, tf.Tensor> | undefined;
        let stepLoss = 0;
        let tokens: number | undefined;
        let nonFinite: string | undefined;
        for (const bi of batches) {
          const batch = trainData[bi]!;
          const t = this.batchTokens(batch);
          if (t !== undefined) tokens = (tokens ?? 0) + t;
          const { value, grads } = tf.variableGrads(
            () => tf.div(this.computeLoss(batch), k) as tf.Scalar,
            vars,
          );
          const lv = value.dataSync()[0]! * k;
          value.dispose();
          if (!Number.isFinite(lv)) nonFinite ??= `loss ${lv}`;
          stepLoss += lv / k;
          const named: Record<string, tf.Tensor> = {};
          for (const [n, v] of params) if (grads[v.name]) named[n] = grads[v.name]!;
          if (!acc) acc = named;
          else {
            for (const n of Object.keys(named)) {
              const prev = acc[n];
              acc[n] = prev ? tf.add(prev, named[n]!) : named[n]!;
              if (prev) {
                prev.dispose();
                named[n]!.dispose();
              }
            }
          }
        }
        const w = this.globalStep % this.updatesPerEpoch;
        this.microBatchesSeen =
          epoch * trainData.length + Math.min(trainData.length, (w + 1) * a.gradientAccumulationSteps);
        const { grads, totalNorm } = clipGradNorm(acc!, a.maxGradNorm);
        if (!nonFinite && !Number.isFinite(totalNorm)) nonFinite = `gradient norm ${totalNorm}`;
        if (nonFinite) {
          for (const g of Object.values(grads)) g.dispose();
          if (this.opts.onNonFinite !== 'skip') {
            throw new Error(
              `Trainer: non-finite ${nonFinite} at step ${this.globalStep + 1}; stopped without updating or saving the model (the last checkpoint is intact). Lower the learning rate, check the data, or pass onNonFinite: 'skip'`,
            );
          }
          this.skippedSteps++;
          this.globalStep++;
          continue;
        }
        this.optimizer.step(grads);
        this.model.onOptimizerStep?.(this.globalStep, grads);
        for (const g of Object.values(grads)) g.dispose();
        this.globalStep++;
        lossSum += stepLoss;
        lossCount++;
        runLoss += stepLoss;
        runCount++;
        const lr = this.optimizer.lr;
        const epochFloat = this.microBatchesSeen / trainData.length;
        const ctl = this.opts.callbacks?.onStepEnd?.({
          globalStep: this.globalStep,
          loss: stepLoss,
          learningRate: lr,
        });
        if ((ctl as TrainerControl | undefined)?.shouldTrainingStop) stop = true;
        this.progress?.step({ step: this.globalStep, loss: stepLoss, learningRate: lr, tokens });
        const last = this.globalStep === total;
        if (this.globalStep % a.loggingSteps === 0 || last) {
          await this.log({
            step: this.globalStep,
            epoch: epochFloat,
            loss: runLoss / runCount,
            learningRate: lr,
            gradNorm: totalNorm,
          });
          runLoss = 0;
          runCount = 0;
        }
        let newBest = false;
        if (
          (a.evalStrategy === 'steps' && this.globalStep % a.evalSteps! === 0) ||
          (a.evalStrategy === 'epoch' && lastOfEpoch)
        ) {
          const metrics = await this.evaluateDuringTraining();
          if (metrics.stop) stop = true;
          newBest = metrics.newBest;
        }
        const save =
          (a.saveStrategy === 'steps' && (this.globalStep % a.saveSteps === 0 || last)) ||
          (a.saveStrategy === 'epoch' && lastOfEpoch) ||
          // The best checkpoint must exist to be loaded at the end (HF 4.47+ would only warn).
          (newBest && (a.saveStrategy === 'best' || a.loadBestModelAtEnd));
        if (save) await this.saveCheckpoint();
      }
    } finally {
      this.inTrain = false;
      this.model.setTraining?.(false);
      this.progress?.end();
    }
    if (a.loadBestModelAtEnd && this.bestModelCheckpoint) await this.loadBestModel();
    return { globalStep: this.globalStep, trainingLoss: lossCount ? lossSum / lossCount : Number.NaN };
  }

  /** Evaluates, updates the best metric and the early-stopping counter (HF's order: callback, then best). */
  private async evaluateDuringTraining(): Promise<{ newBest: boolean; stop: boolean }> {
    const a = this.args;
    const metrics = await this.runEvaluation(this.opts.evalData, 'eval');
    let stop = metrics.stop;
    if (a.metricForBestModel === undefined) return { newBest: false, stop };
    const key = a.metricForBestModel.startsWith('eval_')
      ? a.metricForBestModel
      : `eval_${a.metricForBestModel}`;
    const value = metrics.values[key];
    if (value === undefined) {
      throw new Error(
        `TrainingArguments.metricForBestModel: "${key}" is not among the evaluation metrics (${Object.keys(metrics.values).join(', ')})`,
      );
    }
    const better = (x: number, y: number) => (a.greaterIsBetter ? x > y : x < y);
    const es = this.opts.earlyStopping;
    if (es) {
      const threshold = es.threshold ?? 0;
      if (
        this.bestMetric === undefined ||
        (better(value, this.bestMetric) && Math.abs(value - this.bestMetric) > threshold)
      ) {
        this.earlyStoppingPatienceCounter = 0;
      } else {
        this.earlyStoppingPatienceCounter++;
      }
      if (this.earlyStoppingPatienceCounter >= (es.patience ?? 1)) stop = true;
    }
    if (this.bestMetric === undefined || better(value, this.bestMetric)) {
      this.bestMetric = value;
      this.bestModelCheckpoint = join(a.outputDir, `checkpoint-${this.globalStep}`);
      return { newBest: true, stop };
    }
    return { newBest: false, stop };
  }

  /** Loads the model (not the optimizer) from {@link bestModelCheckpoint}. */
  private async loadBestModel(): Promise<void> {
    const dir = this.bestModelCheckpoint!;
    await (this.opts.loadModel ?? ((d) => this.loadParams(d)))(dir);
    await this.log({
      step: this.globalStep,
      epoch: this.microBatchesSeen / this.opts.trainData.length,
      bestMetric: this.bestMetric,
      bestModelStep: Number(/checkpoint-(\d+)$/.exec(dir)?.[1]),
    });
  }

  /** Index into trainData of batch `k` of epoch `epoch`. */
  private permEpoch = -1;
  private perm: number[] = [];
  private batchIndex(epoch: number, k: number): number {
    if (this.opts.shuffle === false) return k;
    if (epoch !== this.permEpoch) {
      this.perm = seededPermutation(this.opts.trainData.length, this.shuffleSeed + epoch);
      this.permEpoch = epoch;
    }
    return this.perm[k]!;
  }

  private batchTokens(batch: B): number | undefined {
    if (this.opts.numTokens) return this.opts.numTokens(batch);
    const n = (batch as { numTokens?: unknown }).numTokens;
    return typeof n === 'number' ? n : undefined;
  }

  /**
   * Runs the model over `data` without gradients (HF `evaluation_loop`): mean loss (weighted by
   * batch size when predictions are available) and, when `withPredictions`, the concatenated
   * predictions and labels.
   */
  private predictionLoop(
    data: readonly B[],
    withPredictions: boolean,
  ): { loss?: number; predictions?: NestedNumbers; labelIds?: NestedNumbers } {
    const preds: NestedNumbers[] = [];
    const labels: NestedNumbers[] = [];
    let lossSum = 0;
    let lossWeight = 0;
    this.model.setTraining?.(false);
    try {
      for (const b of data) {
        tf.tidy(() => {
          // With predictionStep the loss is weighted by batch size (HF); else each batch counts once.
          const out = this.predictionStep(b);
          if (withPredictions && !out) {
            throw new Error(
              'Trainer: predictions need model.predictionStep (see trainableFromForward) or an overridden predictionStep',
            );
          }
          if (out && (out.loss || withPredictions)) {
            const n = out.logits.shape[0] ?? 1;
            if (out.loss) {
              lossSum += out.loss.dataSync()[0]! * n;
              lossWeight += n;
            }
            if (!withPredictions) return;
            const p = this.opts.preprocessLogitsForMetrics
              ? this.opts.preprocessLogitsForMetrics(out.logits, out.labels)
              : out.logits;
            preds.push(p.arraySync() as NestedNumbers);
            if (out.labels !== undefined) {
              labels.push(
                out.labels instanceof tf.Tensor ? (out.labels.arraySync() as NestedNumbers) : out.labels,
              );
            }
          } else {
            lossSum += this.computeLoss(b).dataSync()[0]!;
            lossWeight += 1;
          }
        });
      }
    } finally {
      if (this.inTrain) this.model.setTraining?.(true);
    }
    return {
      loss: lossWeight > 0 ? lossSum / lossWeight : undefined,
      predictions: withPredictions ? concatBatches(preds) : undefined,
      labelIds: labels.length ? concatBatches(labels) : undefined,
    };
  }

  /**
   * Evaluates on `evalData` (HF `evaluate`): `eval_loss` and, with `computeMetrics`, its metrics
   * prefixed `eval_`; logged and passed to `onEvaluate`.
   */
  async evaluate(
    evalData: readonly B[] | undefined = this.opts.evalData,
    options: { metricKeyPrefix?: string } = {},
  ): Promise<Record<string, number>> {
    return (await this.runEvaluation(evalData, options.metricKeyPrefix ?? 'eval')).values;
  }

  private async runEvaluation(
    evalData: readonly B[] | undefined,
    prefix: string,
  ): Promise<{ values: Record<string, number>; stop: boolean }> {
    if (!evalData || evalData.length === 0) throw new Error('Trainer.evaluate: no evalData');
    const compute = this.opts.computeMetrics;
    const r = this.predictionLoop(evalData, compute !== undefined);
    const values: Record<string, number> = {};
    if (r.loss !== undefined) values[`${prefix}_loss`] = r.loss;
    if (compute)
      Object.assign(values, prefixed(compute({ predictions: r.predictions!, labelIds: r.labelIds }), prefix));
    await this.log({
      step: this.globalStep,
      epoch: this.microBatchesSeen / this.opts.trainData.length,
      ...values,
    });
    const ctl = this.opts.callbacks?.onEvaluate?.({ ...values, step: this.globalStep });
    return { values, stop: (ctl as TrainerControl | undefined)?.shouldTrainingStop === true };
  }

  /**
   * Predictions on `data` (HF `predict`): `predictions` and `labelIds` concatenated over the batches
   * (rows padded with -100), and `metrics` with `test_loss` and `computeMetrics`' values prefixed
   * `test_`. Needs `model.predictionStep`. Not logged.
   */
  async predict(data: readonly B[], options: { metricKeyPrefix?: string } = {}): Promise<PredictionOutput> {
    if (data.length === 0) throw new Error('Trainer.predict: no data');
    const prefix = options.metricKeyPrefix ?? 'test';
    const r = this.predictionLoop(data, true);
    const metrics: Record<string, number> = {};
    if (r.loss !== undefined) metrics[`${prefix}_loss`] = r.loss;
    if (this.opts.computeMetrics && r.labelIds !== undefined) {
      Object.assign(
        metrics,
        prefixed(this.opts.computeMetrics({ predictions: r.predictions!, labelIds: r.labelIds }), prefix),
      );
    }
    const out: PredictionOutput = { predictions: r.predictions!, metrics };
    if (r.labelIds !== undefined) out.labelIds = r.labelIds;
    return out;
  }

  private async log(entry: LogEntry): Promise<void> {
    this.logHistory.push(entry);
    await mkdir(this.args.outputDir, { recursive: true });
    await appendFile(join(this.args.outputDir, 'log.jsonl'), `${JSON.stringify(entry)}\n`);
    this.progress?.log(entry);
    this.opts.callbacks?.onLog?.(entry);
  }

  /** The newest `checkpoint-N` folder in `outputDir`, or undefined. */
  async lastCheckpoint(): Promise<string | undefined> {
    const steps = await this.checkpointSteps();
    return steps.length ? join(this.args.outputDir, `checkpoint-${steps[steps.length - 1]}`) : undefined;
  }

  private async checkpointSteps(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.args.outputDir);
    } catch {
      return [];
    }
    return names
      .map((n) => /^checkpoint-(\d+)$/.exec(n)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((x, y) => x - y);
  }

  /** Throws (naming the parameter) if any parameter holds NaN or ±Infinity. */
  private assertFiniteParameters(what: string): void {
    for (const [n, v] of this.model.namedParameters()) {
      const ok = tf.tidy(() => tf.all(tf.isFinite(v)).dataSync()[0]);
      if (!ok) {
        throw new Error(
          `Trainer: parameter ${n} has non-finite values at step ${this.globalStep}; refusing to write ${what} (earlier checkpoints are intact)`,
        );
      }
    }
  }

  /**
   * Writes `outputDir/checkpoint-N/` atomically: model, optimizer state, trainer_state.json,
   * rng_state.json. Refuses to write a model with non-finite parameters. Then applies
   * `saveTotalLimit`, never deleting the best checkpoint.
   */
  async saveCheckpoint(): Promise<string> {
    const dir = join(this.args.outputDir, `checkpoint-${this.globalStep}`);
    this.assertFiniteParameters(dir);
    const state: TrainerState = {
      globalStep: this.globalStep,
      microBatchesSeen: this.microBatchesSeen,
      epoch: this.microBatchesSeen / this.opts.trainData.length,
      maxSteps: this.maxSteps,
      logHistory: this.logHistory as Record<string, number>[],
      bestMetric: this.bestMetric ?? null,
      bestModelCheckpoint: this.bestModelCheckpoint ?? null,
      earlyStoppingPatienceCounter: this.earlyStoppingPatienceCounter,
    };
    const rng: RngStateFile = { shuffleSeed: this.shuffleSeed };
    if (this.model.getRngState) rng.model = this.model.getRngState();
    await writeDirAtomic(dir, async (tmp) => {
      await (this.opts.saveModel ?? ((d) => this.saveParams(d)))(tmp);
      const opt: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
      for (const [n, a] of Object.entries(this.optimizer.stateArrays())) {
        opt[n] = { dtype: 'F32', shape: a.shape, data: a.data };
      }
      await writeSafetensors(join(tmp, OPTIMIZER_FILE), opt, { step: String(this.optimizer.stepCount) });
      await writeFile(join(tmp, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
      await writeFile(join(tmp, RNG_FILE), `${JSON.stringify(rng)}\n`);
    });
    this.opts.callbacks?.onSave?.(dir);
    await this.rotateCheckpoints();
    return dir;
  }

  /** HF `_rotate_checkpoints`: delete the oldest beyond `saveTotalLimit`, keeping the best one. */
  private async rotateCheckpoints(): Promise<void> {
    let limit = this.args.saveTotalLimit;
    if (limit === undefined) return;
    const dirs = (await this.checkpointSteps()).map((s) => join(this.args.outputDir, `checkpoint-${s}`));
    const best = this.bestModelCheckpoint;
    const bi = best ? dirs.indexOf(best) : -1;
    if (bi >= 0) {
      // Move the best one next to the newest, so it is deleted last (HF's `_sorted_checkpoints`).
      dirs.splice(bi, 1);
      dirs.splice(Math.max(0, dirs.length - 1), 0, best!);
      if (limit === 1 && dirs[dirs.length - 1] !== best) limit = 2;
    }
    for (const d of dirs.slice(0, Math.max(0, dirs.length - limit))) {
      if (d === best) continue;
      await rm(d, { recursive: true, force: true });
    }
  }

  private async saveParams(dir: string): Promise<void> {
    const out: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
    for (const [n, v] of this.model.namedParameters()) {
      out[n] = { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array };
    }
    await writeSafetensors(join(dir, 'model.safetensors'), out);
  }

  private async loadParams(dir: string): Promise<void> {
    const f = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    for (const [n, v] of this.model.namedParameters()) {
      if (!f.has(n)) throw new Error(`${join(dir, 'model.safetensors')}: missing tensor ${n}`);
      const data = f.getFloat32(n);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
    }
  }

  /** Restores model, optimizer, counters, best metric and RNG state from a checkpoint folder. */
  async loadCheckpoint(dir: string): Promise<void> {
    const file = join(dir, STATE_FILE);
    const parsed = trainerStateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new Error(`${file}: ${i.path.join('.')}: ${i.message}`);
    }
    const state = parsed.data;
    await (this.opts.loadModel ?? ((d) => this.loadParams(d)))(dir);
    const f = await SafetensorsFile.open(join(dir, OPTIMIZER_FILE));
    const arrays: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const n of f.names()) arrays[n] = { shape: f.info(n).shape, data: f.getFloat32(n) };
    this.optimizer.loadStateArrays(state.globalStep, arrays);
    this.globalStep = state.globalStep;
    this.microBatchesSeen = state.microBatchesSeen;
    this.bestMetric = state.bestMetric ?? undefined;
    this.bestModelCheckpoint = state.bestModelCheckpoint ?? undefined;
    this.earlyStoppingPatienceCounter = state.earlyStoppingPatienceCounter ?? 0;
    this.logHistory.splice(0, this.logHistory.length, ...(state.logHistory as LogEntry[]));
    const rngFile = join(dir, RNG_FILE);
    if (await exists(rngFile)) {
      const r = rngStateSchema.safeParse(JSON.parse(await readFile(rngFile, 'utf8')));
      if (!r.success) {
        const i = r.error.issues[0]!;
        throw new Error(`${rngFile}: ${i.path.join('.')}: ${i.message}`);
      }
      this.shuffleSeed = r.data.shuffleSeed;
      this.permEpoch = -1;
      if (r.data.model !== undefined && this.model.setRngState)
        this.model.setRngState(r.data.model as RngState);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function prefixed(metrics: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v !== 'number') throw new Error(`computeMetrics: "${k}" is not a number (${typeof v})`);
    out[k.startsWith(`${prefix}_`) ? k : `${prefix}_${k}`] = v;
  }
  return out;
}

/** Fisher–Yates permutation of 0..n-1 driven by mulberry32(seed). */
export function seededPermutation(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
