import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '@gptft/backend';
import { SafetensorsFile, writeDirAtomic, writeSafetensors } from '@gptft/hub';
import { AdamW } from './adamw.js';
import { clipGradNorm } from './clip-grad-norm.js';
import { getScheduleLambda } from './lr-schedule.js';
import type { TrainableModel } from './trainable-model.js';
import {
  numWarmupSteps,
  parseTrainingArguments,
  type TrainingArguments,
  type TrainingArgumentsInput,
} from './training-arguments.js';
import { type LogEntry, type TrainerState, trainerStateSchema } from './trainer-state.js';

/** Callbacks, like HF `TrainerCallback` (`on_log`, `on_step_end`, `on_save`, `on_evaluate`). */
export interface TrainerCallbacks {
  onLog?(entry: LogEntry): void;
  onStepEnd?(state: { globalStep: number; loss: number; learningRate: number }): void;
  onSave?(checkpointDir: string): void;
  onEvaluate?(metrics: { evalLoss: number; step: number }): void;
}

/** Options of {@link Trainer}. */
export interface TrainerOptions<B> {
  model: TrainableModel<B>;
  args: TrainingArgumentsInput | TrainingArguments;
  /** Training batches of one epoch, already collated (e.g. by a `@gptft/datasets` collator), in order. */
  trainData: readonly B[];
  evalData?: readonly B[];
  callbacks?: TrainerCallbacks;
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
}

const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'trainer_state.json';

/**
 * A training loop like HF `Trainer`: AdamW, LR schedule with warmup, gradient accumulation,
 * global gradient clipping, logging, evaluation, atomic checkpoints and resuming.
 */
export class Trainer<B> {
  readonly args: TrainingArguments;
  readonly optimizer: AdamW;
  readonly logHistory: LogEntry[] = [];
  globalStep = 0;
  /** Optimizer steps dropped because of a non-finite loss or gradient (with `onNonFinite: 'skip'`). */
  skippedSteps = 0;
  private microBatchesSeen = 0;

  constructor(private readonly opts: TrainerOptions<B>) {
    this.args = parseTrainingArguments(opts.args as TrainingArgumentsInput);
    if (opts.trainData.length === 0) throw new Error('Trainer: trainData is empty');
    this.optimizer = new AdamW(opts.model.namedParameters(), {
      lr: this.args.learningRate,
      beta1: this.args.adamBeta1,
      beta2: this.args.adamBeta2,
      eps: this.args.adamEpsilon,
      weightDecay: this.args.weightDecay,
    });
  }

  /** Optimizer steps of the whole run (HF: maxSteps, or ceil(batches/GA) * epochs). */
  get maxSteps(): number {
    if (this.args.maxSteps > 0) return this.args.maxSteps;
    const perEpoch = Math.ceil(this.opts.trainData.length / this.args.gradientAccumulationSteps);
    return Math.ceil(perEpoch * this.args.numTrainEpochs);
  }

  /**
   * Trains to `maxSteps`. `resumeFromCheckpoint`: `true` for the last `checkpoint-N` in `outputDir`,
   * or a checkpoint folder. Returns the mean training loss.
   */
  async train(
    options: { resumeFromCheckpoint?: boolean | string } = {},
  ): Promise<{ globalStep: number; trainingLoss: number }> {
    const { model, trainData } = this.opts;
    const a = this.args;
    const ga = a.gradientAccumulationSteps;
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
    const params = model.namedParameters();
    const vars = params.map(([, v]) => v);
    let lossSum = 0;
    let lossCount = 0;
    let runLoss = 0;
    let runCount = 0;
    while (this.globalStep < total) {
      this.optimizer.lr = a.learningRate * schedule(this.globalStep);
      let acc: Record<string, tf.Tensor> | undefined;
      let stepLoss = 0;
      let nonFinite: string | undefined;
      for (let k = 0; k < ga; k++) {
        const batch = trainData[this.batchIndex(this.microBatchesSeen)]!;
        this.microBatchesSeen++;
        const { value, grads } = tf.variableGrads(
          () => tf.div(model.computeLoss(batch), ga) as tf.Scalar,
          vars,
        );
        const lv = value.dataSync()[0]! * ga;
        value.dispose();
        if (!Number.isFinite(lv)) nonFinite = `loss ${lv}`;
        stepLoss += lv / ga;
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
      const { grads, totalNorm } = clipGradNorm(acc!, a.maxGradNorm);
      if (!nonFinite && !Number.isFinite(totalNorm)) nonFinite = `gradient norm ${totalNorm}`;
      if (nonFinite) {
        for (const g of Object.values(grads)) g.dispose();
        if (this.opts.onNonFinite !== 'skip') {
          throw new Error(
            `Trainer: non-finite ${nonFinite} at step ${this.globalStep + 1}; stopped without updating or saving the model (the last checkpoint is intact)`,
          );
        }
        this.skippedSteps++;
        this.globalStep++;
        continue;
      }
      this.optimizer.step(grads);
      for (const g of Object.values(grads)) g.dispose();
      this.globalStep++;
      lossSum += stepLoss;
      lossCount++;
      runLoss += stepLoss;
      runCount++;
      const lr = this.optimizer.lr;
      const epoch = this.microBatchesSeen / trainData.length;
      this.opts.callbacks?.onStepEnd?.({ globalStep: this.globalStep, loss: stepLoss, learningRate: lr });
      if (this.globalStep % a.loggingSteps === 0 || this.globalStep === total) {
        await this.log({
          step: this.globalStep,
          epoch,
          loss: runLoss / runCount,
          learningRate: lr,
          gradNorm: totalNorm,
        });
        runLoss = 0;
        runCount = 0;
      }
      const epochEnd =
        this.microBatchesSeen >= trainData.length && this.microBatchesSeen % trainData.length < ga;
      if (
        (a.evalStrategy === 'steps' && this.globalStep % (a.evalSteps ?? a.loggingSteps) === 0) ||
        (a.evalStrategy === 'epoch' && epochEnd)
      ) {
        await this.evaluate();
      }
      if (this.globalStep % a.saveSteps === 0 || this.globalStep === total) await this.saveCheckpoint();
    }
    return { globalStep: this.globalStep, trainingLoss: lossCount ? lossSum / lossCount : Number.NaN };
  }

  private permEpoch = -1;
  private perm: number[] = [];

  /** Index into trainData of the m-th micro-batch of the run. */
  private batchIndex(m: number): number {
    const n = this.opts.trainData.length;
    const epoch = Math.floor(m / n);
    if (this.opts.shuffle === false) return m % n;
    if (epoch !== this.permEpoch) {
      this.perm = seededPermutation(n, this.args.seed + epoch);
      this.permEpoch = epoch;
    }
    return this.perm[m % n]!;
  }

  /** Mean loss over `evalData` (no gradients). */
  async evaluate(evalData = this.opts.evalData): Promise<{ evalLoss: number }> {
    if (!evalData || evalData.length === 0) throw new Error('Trainer.evaluate: no evalData');
    let sum = 0;
    for (const b of evalData) sum += tf.tidy(() => this.opts.model.computeLoss(b).dataSync()[0]!);
    const evalLoss = sum / evalData.length;
    await this.log({
      step: this.globalStep,
      epoch: this.microBatchesSeen / this.opts.trainData.length,
      evalLoss,
    });
    this.opts.callbacks?.onEvaluate?.({ evalLoss, step: this.globalStep });
    return { evalLoss };
  }

  private async log(entry: LogEntry): Promise<void> {
    this.logHistory.push(entry);
    await mkdir(this.args.outputDir, { recursive: true });
    await appendFile(join(this.args.outputDir, 'log.jsonl'), `${JSON.stringify(entry)}\n`);
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

  /** Writes `outputDir/checkpoint-N/` atomically: model, optimizer state, trainer_state.json. */
  async saveCheckpoint(): Promise<string> {
    const dir = join(this.args.outputDir, `checkpoint-${this.globalStep}`);
    const state: TrainerState = {
      globalStep: this.globalStep,
      microBatchesSeen: this.microBatchesSeen,
      epoch: this.microBatchesSeen / this.opts.trainData.length,
      maxSteps: this.maxSteps,
      logHistory: this.logHistory as Record<string, number>[],
    };
    await writeDirAtomic(dir, async (tmp) => {
      await (this.opts.saveModel ?? ((d) => this.saveParams(d)))(tmp);
      const opt: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
      for (const [n, t] of Object.entries(this.optimizer.stateTensors())) {
        opt[n] = { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
      }
      await writeSafetensors(join(tmp, OPTIMIZER_FILE), opt, { step: String(this.optimizer.stepCount) });
      await writeFile(join(tmp, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
    });
    this.opts.callbacks?.onSave?.(dir);
    const limit = this.args.saveTotalLimit;
    if (limit !== undefined) {
      const steps = await this.checkpointSteps();
      for (const s of steps.slice(0, Math.max(0, steps.length - limit))) {
        await rm(join(this.args.outputDir, `checkpoint-${s}`), { recursive: true, force: true });
      }
    }
    return dir;
  }

  private async saveParams(dir: string): Promise<void> {
    const out: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
    for (const [n, v] of this.opts.model.namedParameters()) {
      out[n] = { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array };
    }
    await writeSafetensors(join(dir, 'model.safetensors'), out);
  }

  private async loadParams(dir: string): Promise<void> {
    const f = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    for (const [n, v] of this.opts.model.namedParameters()) {
      if (!f.has(n)) throw new Error(`${join(dir, 'model.safetensors')}: missing tensor ${n}`);
      const data = f.getFloat32(n);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
    }
  }

  /** Restores model, optimizer and counters from a checkpoint folder. */
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
    const tensors: Record<string, tf.Tensor> = {};
    for (const n of f.names()) tensors[n] = tf.tensor(f.getFloat32(n), f.info(n).shape, 'float32');
    this.optimizer.loadState(state.globalStep, tensors);
    for (const t of Object.values(tensors)) t.dispose();
    this.globalStep = state.globalStep;
    this.microBatchesSeen = state.microBatchesSeen;
    this.logHistory.splice(0, this.logHistory.length, ...(state.logHistory as LogEntry[]));
  }
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
