/**
 * The training loop (HF `Trainer._inner_training_loop`, nanoGPT's `train.py`): AdamW, LR schedule
 * with warmup, gradient accumulation, global gradient clipping, logging, evaluation, best-model
 * tracking and checkpoints. Each concept lives in its own file: batches come from `sampler.ts`,
 * evaluation from `evaluation.ts`, checkpoint files from `checkpoint.ts`, best-model tracking from
 * `best-model.ts`, early stopping is a callback (`early-stopping.ts`).
 *
 * One host read per optimizer step (the step's loss and gradient norm together, needed to refuse a
 * non-finite update before it happens); none per micro-batch.
 */
import type { tf } from '@gptft/backend';
import { writeFileAtomic } from '@gptft/hub';
import { AdamW } from './adamw.js';
import { appendFile, join, mkdir } from './node-fs.js';
import { BestModelTracker } from './best-model.js';
import { CallbackHandler, type TrainerCallbacks, type TrainerStateView } from './callbacks.js';
import {
  assertFiniteParameters,
  listCheckpoints,
  loadParameters,
  MODEL_FILE,
  readCheckpoint,
  recoverCheckpointWrites,
  rotateCheckpoints,
  saveParameters,
  writeCheckpoint,
} from './checkpoint.js';
import { clipGradNorm } from './clip-grad-norm.js';
import { EarlyStoppingCallback } from './early-stopping.js';
import { type EvaluationLoopOutput, evaluationLoopAsync, prefixedMetrics } from './evaluation.js';
import { getScheduleLambda } from './lr-schedule.js';
import type { PredictionOutput } from './prediction.js';
import { ProgressDisplay } from './progress.js';
import { DataLoader, RandomSampler, type Sampler, SequentialSampler } from './sampler.js';
import type { PredictionStepOutput, RngState, TrainableModel } from './trainable-model.js';
import type { LogEntry, RngStateFile, TrainerState } from './trainer-state.js';
import type { TrainerOptions } from './trainer-options.js';
import {
  numWarmupSteps,
  parseTrainingArguments,
  type TrainingArguments,
  type TrainingArgumentsInput,
} from './training-arguments.js';
import { accumulateGradients } from './training-step.js';

/** setImmediate in Node; a page or worker has none (a macrotask through setTimeout there). */
const yieldToEventLoop = () =>
  new Promise<void>((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );

export type { TrainerOptions } from './trainer-options.js';

const LOG_FILE = 'log.jsonl';

/**
 * A training loop like HF `Trainer`: AdamW, LR schedule with warmup, gradient accumulation,
 * global gradient clipping, logging, evaluation with metrics, prediction, best-model tracking,
 * early stopping, atomic checkpoints and resuming.
 *
 * Subclasses (e.g. a supervised fine-tuning trainer) can override {@link computeLoss} and
 * {@link predictionStep} to change how a batch becomes a loss or predictions.
 */
export class Trainer<B, E = unknown> {
  readonly args: TrainingArguments;
  readonly optimizer: AdamW;
  readonly logHistory: LogEntry[] = [];
  globalStep = 0;
  /** Optimizer steps dropped because of a non-finite loss or gradient (with `onNonFinite: 'skip'`). */
  skippedSteps = 0;
  /** Which run this is (kept across resumes; see `rotateCheckpoints`). Set when training starts. */
  runId: string | undefined;
  protected readonly model: TrainableModel<B>;
  private readonly best: BestModelTracker;
  private readonly earlyStopper: EarlyStoppingCallback | undefined;
  private readonly callbacks: CallbackHandler;
  private readonly trainLoader: DataLoader<unknown, B> | undefined;
  private microBatchesSeen = 0;
  private progress: ProgressDisplay | undefined;
  private inTrain = false;

  constructor(protected readonly opts: TrainerOptions<B, E>) {
    this.args = parseTrainingArguments(opts.args as TrainingArgumentsInput);
    this.model = opts.model;
    this.trainLoader = this.makeTrainLoader();
    const given =
      opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks];
    const list = [...(given as TrainerCallbacks[])];
    if (opts.earlyStopping) list.push(new EarlyStoppingCallback(opts.earlyStopping));
    this.earlyStopper = list.find((c): c is EarlyStoppingCallback => c instanceof EarlyStoppingCallback);
    if (this.earlyStopper && !this.args.loadBestModelAtEnd) {
      throw new Error(
        'Trainer: earlyStopping requires args.loadBestModelAtEnd (and so evaluations and a metric)',
      );
    }
    this.callbacks = new CallbackHandler(list);
    this.best = new BestModelTracker(this.args);
    if (this.args.evalStrategy !== 'no' && !opts.evalData?.length && !opts.evalDataset?.length) {
      throw new Error(`Trainer: args.evalStrategy is "${this.args.evalStrategy}" but evalData is empty`);
    }
    this.optimizer = new AdamW(opts.model.namedParameters(), {
      lr: this.args.learningRate,
      beta1: this.args.adamBeta1,
      beta2: this.args.adamBeta2,
      eps: this.args.adamEpsilon,
      weightDecay: this.args.weightDecay,
      stateLocation: opts.optimizerState ?? 'device',
    });
  }

  private makeTrainLoader(): DataLoader<unknown, B> | undefined {
    const { trainData, trainDataset, dataCollator } = this.opts;
    if (trainData && trainDataset)
      throw new Error('Trainer: pass trainData (batches) or trainDataset (examples), not both');
    if (trainDataset && !dataCollator) throw new Error('Trainer: trainDataset needs a dataCollator');
    const dataset = (trainDataset ?? trainData) as readonly unknown[] | undefined;
    if (!dataset) return undefined;
    if (dataset.length === 0)
      throw new Error(`Trainer: ${trainDataset ? 'trainDataset' : 'trainData'} is empty`);
    const sampler: Sampler =
      this.opts.shuffle === false
        ? new SequentialSampler(dataset.length)
        : new RandomSampler(dataset.length, this.args.seed);
    return trainDataset
      ? new DataLoader({
          dataset,
          batchSize: this.args.perDeviceTrainBatchSize,
          collate: dataCollator as (examples: readonly unknown[]) => B,
          sampler,
        })
      : new DataLoader({ dataset, batchSize: 1, collate: (xs) => xs[0] as B, sampler });
  }

  private get loader(): DataLoader<unknown, B> {
    if (!this.trainLoader) throw new Error('Trainer: no training data (pass trainDataset or trainData)');
    return this.trainLoader;
  }

  /** Best value of `metricForBestModel` so far (HF `state.best_metric`). */
  get bestMetric(): number | undefined {
    return this.best.bestMetric;
  }
  set bestMetric(v: number | undefined) {
    this.best.bestMetric = v;
  }
  /** The checkpoint folder of {@link bestMetric} (HF `state.best_model_checkpoint`). */
  get bestModelCheckpoint(): string | undefined {
    return this.best.bestModelCheckpoint;
  }
  set bestModelCheckpoint(v: string | undefined) {
    this.best.bestModelCheckpoint = v;
  }
  /** Evaluations in a row without enough improvement (early stopping; 0 without it). */
  get earlyStoppingPatienceCounter(): number {
    return this.earlyStopper?.patienceCounter ?? 0;
  }
  set earlyStoppingPatienceCounter(v: number) {
    if (this.earlyStopper) this.earlyStopper.patienceCounter = v;
  }

  /** Optimizer steps per epoch: HF's `ceil(batches / gradientAccumulationSteps)`. */
  get updatesPerEpoch(): number {
    return Math.ceil(this.loader.length / this.args.gradientAccumulationSteps);
  }

  /** Optimizer steps of the whole run (HF: maxSteps, or ceil(updatesPerEpoch * epochs)). */
  get maxSteps(): number {
    if (this.args.maxSteps > 0) return this.args.maxSteps;
    return Math.ceil(this.updatesPerEpoch * this.args.numTrainEpochs);
  }

  /**
   * The micro-batches of optimizer step `step` (0-based), as HF 4.46+ groups them: each epoch is
   * cut into windows of `gradientAccumulationSteps` batches and the last window of an epoch takes
   * the remainder (it still steps the optimizer; a window never spans two epochs). `batches`: with
   * `trainData`, indices into it; with `trainDataset`, the batches' positions in the epoch.
   * `examples`: each batch's example indices (with `trainData`, the batch's own index).
   */
  stepWindow(step: number): { epoch: number; batches: number[]; examples: number[][]; lastOfEpoch: boolean } {
    const n = this.loader.length;
    const ga = this.args.gradientAccumulationSteps;
    const u = this.updatesPerEpoch;
    const epoch = Math.floor(step / u);
    const w = step % u;
    const start = w * ga;
    const positions = Array.from({ length: Math.min(ga, n - start) }, (_, k) => start + k);
    const examples = positions.map((k) => this.loader.batchIndices(epoch, k));
    const batches = this.opts.trainDataset ? positions : examples.map((e) => e[0]!);
    return { epoch, batches, examples, lastOfEpoch: w === u - 1 };
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

  private stateView(): TrainerStateView {
    return { args: this.args, globalStep: this.globalStep, bestMetric: this.best.bestMetric };
  }

  private get epochFloat(): number {
    return this.microBatchesSeen / this.loader.length;
  }

  /**
   * Trains to `maxSteps` (or until early stopping). `resumeFromCheckpoint`: `true` for the last
   * `checkpoint-N` in `outputDir`, or a checkpoint folder. Returns the mean training loss.
   */
  async train(
    options: { resumeFromCheckpoint?: boolean | string } = {},
  ): Promise<{ globalStep: number; trainingLoss: number }> {
    const loader = this.loader;
    const a = this.args;
    const total = this.maxSteps;
    const schedule = getScheduleLambda(a.lrSchedulerType, numWarmupSteps(a, total), total);
    await recoverCheckpointWrites(a.outputDir);
    if (options.resumeFromCheckpoint) {
      const dir =
        typeof options.resumeFromCheckpoint === 'string'
          ? options.resumeFromCheckpoint
          : await this.lastCheckpoint();
      if (!dir) throw new Error(`resumeFromCheckpoint: no checkpoint-N folder in ${a.outputDir}`);
      await this.loadCheckpoint(dir);
    }
    this.runId ??= globalThis.crypto.randomUUID();
    await this.rewriteLogFile();
    const params = this.model.namedParameters();
    // A page has no stderr: no progress display unless one is given.
    const stream = this.opts.progress ?? (typeof process === 'undefined' ? false : process.stderr);
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
        const { epoch, examples, lastOfEpoch } = this.stepWindow(this.globalStep);
        const w = this.globalStep % this.updatesPerEpoch;
        const k = examples.length; // HF divides by the window's size (current_gradient_accumulation_steps)
        const batches = Array.from({ length: k }, (_, m) =>
          loader.batch(epoch, w * a.gradientAccumulationSteps + m),
        );
        let tokens: number | undefined;
        for (const b of batches) {
          const t = this.batchTokens(b);
          if (t !== undefined) tokens = (tokens ?? 0) + t;
        }
        const {
          loss: stepLoss,
          gradNorm: norm,
          grads: acc,
        } = await accumulateGradients(batches, params, (b) => this.computeLoss(b));
        this.microBatchesSeen =
          epoch * loader.length + Math.min(loader.length, (w + 1) * a.gradientAccumulationSteps);
        let nonFinite: string | undefined;
        if (!Number.isFinite(stepLoss)) nonFinite = `loss ${stepLoss}`;
        else if (!Number.isFinite(norm)) nonFinite = `gradient norm ${norm}`;
        if (nonFinite) {
          for (const g of Object.values(acc)) g.dispose();
          if (this.opts.onNonFinite !== 'skip') {
            throw new Error(
              `Trainer: non-finite ${nonFinite} at step ${this.globalStep + 1}; stopped without updating or saving the model (the last checkpoint is intact). Lower the learning rate, check the data, or pass onNonFinite: 'skip'`,
            );
          }
          this.skippedSteps++;
          this.globalStep++;
          continue;
        }
        const { grads, totalNorm } = clipGradNorm(acc, a.maxGradNorm, norm);
        this.optimizer.step(grads);
        this.model.onOptimizerStep?.(this.globalStep, grads);
        for (const g of Object.values(grads)) g.dispose();
        this.globalStep++;
        lossSum += stepLoss;
        lossCount++;
        runLoss += stepLoss;
        runCount++;
        const lr = this.optimizer.lr;
        const step = { globalStep: this.globalStep, loss: stepLoss, learningRate: lr };
        if (this.callbacks.onStepEnd(step, this.stateView())) stop = true;
        this.progress?.step({ step: this.globalStep, loss: stepLoss, learningRate: lr, tokens });
        const last = this.globalStep === total;
        if (this.globalStep % a.loggingSteps === 0 || last) {
          await this.log({
            step: this.globalStep,
            epoch: this.epochFloat,
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
          const r = await this.runEvaluation(undefined, 'eval');
          if (r.stop) stop = true;
          newBest = this.best.update(r.values, this.globalStep);
        }
        const save =
          (a.saveStrategy === 'steps' && (this.globalStep % a.saveSteps === 0 || last)) ||
          (a.saveStrategy === 'epoch' && lastOfEpoch) ||
          // The best checkpoint must exist to be loaded at the end (HF 4.47+ would only warn).
          (newBest && (a.saveStrategy === 'best' || a.loadBestModelAtEnd));
        if (save) await this.saveCheckpoint();
        // A macrotask between steps: a stop request from a message (a page's Web Worker), a timer
        // or a signal handler can arrive and be seen by the next step's callbacks.
        await yieldToEventLoop();
      }
    } finally {
      this.inTrain = false;
      this.model.setTraining?.(false);
      this.progress?.end();
    }
    if (a.loadBestModelAtEnd && this.bestModelCheckpoint) await this.loadBestModel();
    return { globalStep: this.globalStep, trainingLoss: lossCount ? lossSum / lossCount : Number.NaN };
  }

  /** Loads the model (not the optimizer) from {@link bestModelCheckpoint}. */
  private async loadBestModel(): Promise<void> {
    const dir = this.bestModelCheckpoint!;
    await this.loadModelFrom(dir);
    await this.log({
      step: this.globalStep,
      epoch: this.epochFloat,
      bestMetric: this.bestMetric,
      bestModelStep: Number(/checkpoint-(\d+)$/.exec(dir)?.[1]),
    });
  }

  private batchTokens(batch: B): number | undefined {
    if (this.opts.numTokens) return this.opts.numTokens(batch);
    const n = (batch as { numTokens?: unknown }).numTokens;
    return typeof n === 'number' ? n : undefined;
  }

  /** The evaluation batches: `data`, else `evalData`, else `evalDataset` collated in order. */
  private evalBatches(data: readonly B[] | undefined): Iterable<B> {
    if (data) return data;
    if (this.opts.evalData?.length) return this.opts.evalData;
    const ds = this.opts.evalDataset;
    if (!ds?.length) throw new Error('Trainer.evaluate: no evalData');
    if (!this.opts.dataCollator) throw new Error('Trainer: evalDataset needs a dataCollator');
    return new DataLoader({
      dataset: ds,
      batchSize: this.args.perDeviceEvalBatchSize,
      collate: this.opts.dataCollator,
      sampler: new SequentialSampler(ds.length),
    }).batches();
  }

  /** The model over `data` in evaluation mode (then back to training mode inside `train`). */
  private async predictionLoop(data: Iterable<B>, withPredictions: boolean): Promise<EvaluationLoopOutput> {
    this.model.setTraining?.(false);
    try {
      return await evaluationLoopAsync(
        data,
        {
          predictionStep: (b) => this.predictionStep(b),
          computeLoss: (b) => this.computeLoss(b),
          ...(this.opts.preprocessLogitsForMetrics && {
            preprocessLogitsForMetrics: this.opts.preprocessLogitsForMetrics,
          }),
        },
        withPredictions,
      );
    } finally {
      if (this.inTrain) this.model.setTraining?.(true);
    }
  }

  /**
   * Evaluates (HF `evaluate`) on `evalData` (or `evalDataset`): `eval_loss` and, with
   * `computeMetrics`, its metrics prefixed `eval_`; logged and passed to the callbacks' `onEvaluate`.
   */
  async evaluate(
    evalData?: readonly B[],
    options: { metricKeyPrefix?: string } = {},
  ): Promise<Record<string, number>> {
    return (await this.runEvaluation(evalData, options.metricKeyPrefix ?? 'eval')).values;
  }

  private async runEvaluation(
    evalData: readonly B[] | undefined,
    prefix: string,
  ): Promise<{ values: Record<string, number>; stop: boolean }> {
    if (evalData?.length === 0) throw new Error('Trainer.evaluate: no evalData');
    const compute = this.opts.computeMetrics;
    const r = await this.predictionLoop(this.evalBatches(evalData), compute !== undefined);
    const values: Record<string, number> = {};
    if (r.loss !== undefined) values[`${prefix}_loss`] = r.loss;
    if (compute) Object.assign(values, prefixedMetrics(compute, r, prefix));
    await this.log({ step: this.globalStep, epoch: this.trainLoader ? this.epochFloat : 0, ...values });
    const stop = this.callbacks.onEvaluate({ ...values, step: this.globalStep }, this.stateView());
    return { values, stop };
  }

  /**
   * Predictions on `data` (HF `predict`): `predictions` and `labelIds` concatenated over the batches
   * (rows padded with -100), and `metrics` with `test_loss` and `computeMetrics`' values prefixed
   * `test_`. Needs `model.predictionStep`. Not logged.
   */
  async predict(data: readonly B[], options: { metricKeyPrefix?: string } = {}): Promise<PredictionOutput> {
    if (data.length === 0) throw new Error('Trainer.predict: no data');
    const prefix = options.metricKeyPrefix ?? 'test';
    const r = await this.predictionLoop(data, true);
    const metrics: Record<string, number> = {};
    if (r.loss !== undefined) metrics[`${prefix}_loss`] = r.loss;
    if (this.opts.computeMetrics && r.labelIds !== undefined) {
      Object.assign(metrics, prefixedMetrics(this.opts.computeMetrics, r, prefix));
    }
    const out: PredictionOutput = { predictions: r.predictions!, metrics };
    if (r.labelIds !== undefined) out.labelIds = r.labelIds;
    return out;
  }

  private async log(entry: LogEntry): Promise<void> {
    this.logHistory.push(entry);
    if (this.opts.logToFile !== false) {
      await mkdir(this.args.outputDir, { recursive: true });
      await appendFile(join(this.args.outputDir, LOG_FILE), `${JSON.stringify(entry)}\n`);
    }
    this.progress?.log(entry);
    this.callbacks.onLog(entry, this.stateView());
  }

  /**
   * `log.jsonl` as of now (when training starts): this trainer's log history — a resumed run's is
   * its checkpoint's, so entries a killed run logged after that checkpoint (or another run's) go.
   */
  private async rewriteLogFile(): Promise<void> {
    if (this.opts.logToFile === false) return;
    await writeFileAtomic(
      join(this.args.outputDir, LOG_FILE),
      this.logHistory.map((e) => `${JSON.stringify(e)}\n`).join(''),
    );
  }

  /** The newest `checkpoint-N` folder in `outputDir`, or undefined. */
  async lastCheckpoint(): Promise<string | undefined> {
    return (await listCheckpoints(this.args.outputDir)).at(-1)?.dir;
  }

  /**
   * Writes the model into `dir` (HF `save_model`; default `outputDir`) with `saveModel` (default:
   * every parameter into `model.safetensors`). Refuses, writing nothing, when a parameter is NaN
   * or ±Infinity, so a diverged run never overwrites a good model.
   */
  async saveModel(dir: string = this.args.outputDir): Promise<void> {
    assertFiniteParameters(this.model.namedParameters(), dir, this.globalStep);
    await (this.opts.saveModel ?? ((d) => saveParameters(d, this.model.namedParameters())))(dir);
  }

  private loadModelFrom(dir: string): Promise<void> {
    return (
      this.opts.loadModel ?? ((d) => loadParameters(join(d, MODEL_FILE), this.model.namedParameters()))
    )(dir);
  }

  /**
   * Writes `outputDir/checkpoint-N/` atomically: model, optimizer state, trainer_state.json,
   * rng_state.json. Refuses to write a model with non-finite parameters. Then applies
   * `saveTotalLimit` to this run's checkpoints, never deleting the best one.
   */
  async saveCheckpoint(): Promise<string> {
    const dir = join(this.args.outputDir, `checkpoint-${this.globalStep}`);
    const params = this.model.namedParameters();
    assertFiniteParameters(params, dir, this.globalStep);
    this.runId ??= globalThis.crypto.randomUUID();
    const state: TrainerState = {
      globalStep: this.globalStep,
      microBatchesSeen: this.microBatchesSeen,
      epoch: this.trainLoader ? this.epochFloat : 0,
      maxSteps: this.maxSteps,
      logHistory: this.logHistory as Record<string, number>[],
      bestMetric: this.bestMetric ?? null,
      bestModelCheckpoint: this.bestModelCheckpoint ?? null,
      earlyStoppingPatienceCounter: this.earlyStoppingPatienceCounter,
      runId: this.runId,
    };
    const rng: RngStateFile = { shuffleSeed: this.args.seed };
    const sampler = this.trainLoader?.sampler;
    if (sampler instanceof RandomSampler) {
      rng.shuffleSeed = sampler.seed;
      rng.sampler = sampler.stateAt(Math.floor(this.globalStep / this.updatesPerEpoch));
    }
    if (this.model.getRngState) rng.model = this.model.getRngState();
    const optimizer = { step: this.optimizer.stepCount, arrays: this.optimizer.stateArrays() };
    await writeCheckpoint(dir, { state, rng, optimizer }, (d) =>
      (this.opts.saveModel ?? ((x) => saveParameters(x, params)))(d),
    );
    this.callbacks.onSave(dir, this.stateView());
    await rotateCheckpoints(this.args.outputDir, {
      limit: this.args.saveTotalLimit,
      best: this.bestModelCheckpoint,
      runId: this.runId,
    });
    return dir;
  }

  /** Restores model, optimizer, counters, best metric and RNG state from a checkpoint folder. */
  async loadCheckpoint(dir: string): Promise<void> {
    const { state, rng, optimizer } = await readCheckpoint(dir);
    await this.loadModelFrom(dir);
    this.optimizer.loadStateArrays(optimizer.step, optimizer.arrays);
    this.globalStep = state.globalStep;
    this.skippedSteps = state.globalStep - optimizer.step;
    this.microBatchesSeen = state.microBatchesSeen;
    this.bestMetric = state.bestMetric ?? undefined;
    this.bestModelCheckpoint = state.bestModelCheckpoint ?? undefined;
    this.earlyStoppingPatienceCounter = state.earlyStoppingPatienceCounter ?? 0;
    if (state.runId !== undefined) this.runId = state.runId;
    this.logHistory.splice(0, this.logHistory.length, ...(state.logHistory as LogEntry[]));
    if (rng) {
      const loader = this.trainLoader;
      const sampler = loader?.sampler;
      if (loader && sampler instanceof RandomSampler) {
        const restored = new RandomSampler(sampler.size, rng.shuffleSeed);
        if (rng.sampler) restored.restore(rng.sampler);
        loader.setSampler(restored);
      }
      if (rng.model !== undefined && this.model.setRngState) this.model.setRngState(rng.model as RngState);
    }
  }
}
