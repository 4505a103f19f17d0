import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Batch } from '@gptft/datasets';
import type { Module } from '@gptft/gpt2-model';
import { ADAPTER_WEIGHTS_NAME, type PeftModel } from '@gptft/peft';
import {
  type LogEntry,
  listCheckpoints,
  loadParameters,
  type TrainableModel,
  type Trainer,
  type TrainerOptions,
  type TrainingArgumentsInput,
} from '@gptft/trainer';
import type { Context } from './context.js';
import { CliError } from './errors.js';
import { peftModelFrom } from './peft-options.js';

/** Everything a training command reports when it is done. */
export interface TrainingSummary {
  /** The loss of every optimizer step this process ran, in order. */
  losses: number[];
  logHistory: LogEntry[];
  trainingLoss: number;
  /** Validation loss after training (when there is validation data). */
  evalLoss?: number;
  /** The final evaluation's metrics without the `eval_` prefix (`loss`, `accuracy`, …). */
  evalMetrics?: Record<string, number>;
  globalStep: number;
  /** The checkpoint this run resumed from. */
  resumedFrom?: string;
  /** Training tokens per second (non-padding tokens seen / wall time of the training loop). */
  tokensPerSecond: number;
  /** Training tokens seen (non-padding). */
  tokens: number;
  seconds: number;
}

/** The dtypes of `--save-dtype`. */
export type SaveDtype = 'float32' | 'float16' | 'bfloat16';

/** What a trained model is written as, and read back from when resuming. */
export interface ModelFiles {
  /** Writes the model (full checkpoint folder, or PEFT adapter) and its tokenizer into `dir`. */
  save(dir: string, options: { dtype: SaveDtype }): Promise<void>;
  /** The weights file `save` writes (`model.safetensors` or `adapter_model.safetensors`). */
  weightsFile: string;
}

/**
 * The files of a model the CLI trains: a full checkpoint folder (`model.safetensors`, in `dtype`)
 * or, with `peft`, the PEFT adapter folder; the tokenizer next to it, then `extra` files.
 */
export function modelFiles(
  model: { savePretrained(dir: string, options: { dtype: SaveDtype }): Promise<void> },
  peft: { savePretrained(dir: string): Promise<void> } | undefined,
  tokenizer: { savePretrained(dir: string): Promise<unknown> },
  extra?: (dir: string) => Promise<void>,
): ModelFiles {
  return {
    weightsFile: peft ? ADAPTER_WEIGHTS_NAME : 'model.safetensors',
    save: async (dir, { dtype }) => {
      if (peft) await peft.savePretrained(dir);
      else await model.savePretrained(dir, { dtype });
      await tokenizer.savePretrained(dir);
      await extra?.(dir);
    },
  };
}

/**
 * `--peft <method>`: the model wrapped by a seeded adapter of that method (HF PEFT's
 * `get_peft_model`; only the adapter — and a classifier's head — trains), with what to call it in
 * the report. `--peft none`: nothing (full fine-tuning). The `PeftModel` is the model the trainer
 * trains: its `forward` adds the method's loss term (AdaLoRA's orthogonal regularisation) and its
 * `onOptimizerStep` runs the method's step (AdaLoRA's rank allocation).
 */
export async function wrapWithPeft<M extends Module>(
  ctx: Context,
  opts: Record<string, unknown>,
  model: M,
  run: { taskType?: string; totalSteps: number },
): Promise<{ peft?: PeftModel<M>; what?: string }> {
  const attached = await peftModelFrom(opts, model, {
    modelPath: opts.model as string,
    seed: opts.seed as number,
    totalSteps: run.totalSteps,
    ...(run.taskType !== undefined && { taskType: run.taskType }),
  });
  if (!attached) return {};
  ctx.log(attached.peft.trainableParametersLine());
  return { peft: attached.peft, what: `${opts.model} + ${attached.what}` };
}

/** The options every trainer of a command gets from {@link runTraining}. */
export type CommonTrainerOptions = Required<
  Pick<TrainerOptions<Batch>, 'shuffle' | 'saveModel' | 'loadModel' | 'progress' | 'callbacks' | 'numTokens'>
> & { args: TrainingArgumentsInput };

function fmt(x: number | undefined, digits = 4): string {
  return x === undefined ? '-' : Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/**
 * Checks the output folder before training and says which checkpoint to resume (HF's
 * `resume_from_checkpoint` / `overwrite_output_dir`): `resume` is `latest` (the newest
 * `checkpoint-N` of the folder) or a checkpoint folder. Without it, a folder that already holds
 * checkpoints is refused, so two runs never mix (their rotation and `latest` would); with
 * `overwrite` those checkpoints and the old `log.jsonl` are deleted first.
 */
export async function resolveResume(
  outputDir: string,
  options: { resume?: string; overwrite?: boolean },
): Promise<string | undefined> {
  const checkpoints = await listCheckpoints(outputDir);
  const { resume } = options;
  if (resume !== undefined) {
    if (options.overwrite)
      throw new CliError('--resume-from-checkpoint and --overwrite-output-dir contradict each other');
    if (resume === 'latest') {
      const last = checkpoints.at(-1);
      if (!last)
        throw new CliError(
          `--resume-from-checkpoint latest: ${outputDir} holds no checkpoint-N folder`,
          'run without --resume-from-checkpoint to start training',
        );
      return last.dir;
    }
    if (!existsSync(join(resume, 'trainer_state.json')))
      throw new CliError(
        `--resume-from-checkpoint ${resume}: not a checkpoint folder (no trainer_state.json)`,
        `pass a checkpoint-N folder written by gptft, or latest`,
      );
    return resume;
  }
  if (checkpoints.length > 0 && !options.overwrite) {
    const names = checkpoints.map((c) => c.dir.slice(outputDir.length + 1));
    throw new CliError(
      `${outputDir} already holds checkpoints of a run (${names.join(', ')}); a new run would mix with them`,
      'continue that run with --resume-from-checkpoint latest, or start over with --overwrite-output-dir (deletes them)',
    );
  }
  if (options.overwrite) {
    for (const c of checkpoints) await rm(c.dir, { recursive: true, force: true });
    await rm(join(outputDir, 'log.jsonl'), { force: true });
  }
  return undefined;
}

/**
 * Trains with `@gptft/trainer`'s Trainer — the code a library user calls — logging progress to
 * stderr (loss, learning rate, tokens/s, validation loss and perplexity): resumes from
 * `resumeFrom`, evaluates at the end when there is validation data, and writes the model into
 * `outputDir` with `Trainer.saveModel`, which refuses non-finite weights. Checkpoints are written
 * in float32 (a resumed run continues exactly), the final model in `saveDtype`.
 */
export async function runTraining<E>(opts: {
  ctx: Context;
  /** The trainer: the command builds it from the common options (a `Trainer` or an `SFTTrainer`). */
  makeTrainer: (common: CommonTrainerOptions) => Trainer<Batch, E>;
  /** The trainable parameters (the model's, or its PEFT adapter's). */
  trainable: TrainableModel<Batch>;
  files: ModelFiles;
  args: TrainingArgumentsInput & { outputDir: string };
  /** Whether there is validation data. */
  hasEval: boolean;
  shuffle: boolean;
  saveDtype: SaveDtype;
  /** The checkpoint to resume (from {@link resolveResume}). */
  resumeFrom?: string;
  /** Evaluate once before training (logged at step 0), so the report shows where validation loss started. */
  evaluateFirst?: boolean;
}): Promise<TrainingSummary> {
  const { ctx, args, files } = opts;
  const outputDir = args.outputDir;
  const losses: number[] = [];
  let tokens = 0;
  const common: CommonTrainerOptions = {
    args: { ...args, ...(opts.hasEval ? {} : { evalStrategy: 'no' }) },
    shuffle: opts.shuffle,
    // Checkpoints in float32 so that resuming is exact; the final model in the chosen dtype.
    saveModel: (dir) => files.save(dir, { dtype: dir === outputDir ? opts.saveDtype : 'float32' }),
    loadModel: (dir) => loadParameters(join(dir, files.weightsFile), opts.trainable.namedParameters()),
    numTokens: (b) => {
      tokens += b.numTokens;
      return b.numTokens;
    },
    progress: ctx.stderr as NodeJS.WriteStream,
    callbacks: {
      onStepEnd: (s) => {
        losses.push(s.loss);
      },
      onEvaluate: (m) => {
        const loss = m.eval_loss;
        if (loss !== undefined)
          ctx.log(`step ${m.step}  validation loss ${fmt(loss)}  perplexity ${fmt(Math.exp(loss), 2)}`);
      },
    },
  };
  const trainer = opts.makeTrainer(common);
  try {
    if (opts.resumeFrom) ctx.log(`resuming from ${opts.resumeFrom}`);
    else if (opts.hasEval && opts.evaluateFirst) await trainer.evaluate();
    const start = performance.now();
    const { globalStep, trainingLoss } = await trainer.train(
      opts.resumeFrom ? { resumeFromCheckpoint: opts.resumeFrom } : {},
    );
    const seconds = (performance.now() - start) / 1000;
    const summary: TrainingSummary = {
      losses,
      logHistory: trainer.logHistory,
      trainingLoss,
      globalStep,
      ...(opts.resumeFrom && { resumedFrom: opts.resumeFrom }),
      tokensPerSecond: tokens / seconds,
      tokens,
      seconds,
    };
    if (opts.hasEval) {
      const m = await trainer.evaluate();
      const metrics = Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(/^eval_/, ''), v]));
      summary.evalMetrics = metrics;
      summary.evalLoss = metrics.loss;
      ctx.log(
        `final validation: ${Object.entries(metrics)
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(
            ', ',
          )}${Object.keys(metrics).length === 1 && metrics.loss !== undefined ? `, perplexity ${fmt(Math.exp(metrics.loss), 2)}` : ''}`,
      );
    }
    try {
      await trainer.saveModel(outputDir);
    } catch (e) {
      if (!/non-finite/.test((e as Error).message)) throw e;
      throw new CliError(
        `the trained model has non-finite weights (NaN or Infinity); nothing was written to ${outputDir}. ${(e as Error).message.replace(/^Trainer: /, '')}`,
        'the run diverged: lower --learning-rate (or keep --max-grad-norm at 1), and keep --save-strategy steps to have checkpoints',
      );
    }
    return summary;
  } finally {
    trainer.optimizer.dispose();
  }
}

/** Writes the command's resolved options next to the model (`gptft_args.json`), for reproducing the run. */
export async function writeRunArgs(
  dir: string,
  command: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const { json: _j, verbose: _v, config: _c, ...rest } = opts;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'gptft_args.json'), `${JSON.stringify({ command, ...rest }, null, 2)}\n`);
}
