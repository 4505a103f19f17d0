import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '@gptft/backend';
import type { GPT2LMHeadModel } from '@gptft/heads';
import {
  type LogEntry,
  type TrainableModel,
  Trainer,
  type TrainerOptions,
  type TrainingArgumentsInput,
} from '@gptft/trainer';
import type { Context } from './context.js';
import type { LMBatch } from './lm-data.js';

/** What runTraining gives every trainer it builds. */
export type CommonTrainerOptions<B> = Required<
  Pick<TrainerOptions<B>, 'shuffle' | 'saveModel' | 'numTokens' | 'progress' | 'callbacks'>
> & {
  args: TrainingArgumentsInput;
};

/** A model with a training mode (dropout on) and an evaluation mode. */
export interface TrainModeModel {
  training: boolean;
  train(): unknown;
  eval(): unknown;
}

/** Everything a training command reports when it is done. */
export interface TrainingSummary {
  /** The loss of every optimizer step, in order. */
  losses: number[];
  logHistory: LogEntry[];
  trainingLoss: number;
  /** Validation loss after training (when there is validation data). */
  evalLoss?: number;
  globalStep: number;
  /** Training tokens per second (non-padding tokens seen / wall time of the training loop). */
  tokensPerSecond: number;
  /** Training tokens seen (non-padding). */
  tokens: number;
  seconds: number;
}

/**
 * A model as the Trainer sees it: `params` train, `setTraining` switches dropout, and the loss is
 * the one `forward` returns for a batch (its logits freed).
 */
export function trainableOf<B>(
  model: TrainModeModel,
  params: [string, tf.Variable][],
  forward: (batch: B) => { logits: tf.Tensor; loss?: tf.Tensor },
): TrainableModel<B> {
  return {
    namedParameters: () => params,
    setTraining: (on) => {
      if (on) model.train();
      else model.eval();
    },
    computeLoss: (b) => {
      const out = forward(b);
      out.logits.dispose();
      return out.loss as tf.Scalar;
    },
  };
}

/** A causal LM as the Trainer sees it: the given parameters, the model's shifted next-token loss. */
export function lmTrainable<B extends LMBatch>(
  model: GPT2LMHeadModel,
  params: [string, tf.Variable][],
): TrainableModel<B> {
  return trainableOf<B>(model, params, (b) =>
    model.forward({
      inputIds: b.inputIds,
      labels: b.labels,
      ...(b.attentionMask && { attentionMask: b.attentionMask }),
    }),
  );
}

/** Mean next-token loss over batches, weighted by predicted tokens (labels ≠ -100 after the shift). */
export function evaluateLoss(
  model: GPT2LMHeadModel,
  batches: readonly LMBatch[],
): { loss: number; tokens: number } {
  const wasTraining = model.training;
  model.eval();
  let sum = 0;
  let count = 0;
  for (const b of batches) {
    const n = b.labels.reduce((acc, row) => acc + row.slice(1).filter((l) => l !== -100).length, 0);
    if (n === 0) continue;
    const loss = tf.tidy(() => {
      const out = model.forward({
        inputIds: b.inputIds,
        labels: b.labels,
        ...(b.attentionMask && { attentionMask: b.attentionMask }),
      });
      return out.loss!.dataSync()[0]!;
    });
    sum += loss * n;
    count += n;
  }
  if (wasTraining) model.train();
  return { loss: count ? sum / count : Number.NaN, tokens: count };
}

function fmt(x: number | undefined, digits = 4): string {
  return x === undefined ? '-' : Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/**
 * Trains with `@gptft/trainer`'s Trainer, logging progress to stderr (loss, learning rate, tokens/s,
 * validation loss and perplexity), and returns what happened.
 */
export async function runTraining<B extends object>(opts: {
  ctx: Context;
  model: GPT2LMHeadModel | TrainModeModel;
  /** The loss to train (default: the causal-LM loss of `model`). */
  trainable?: TrainableModel<B>;
  /** Final validation loss (default: the causal-LM loss weighted by predicted tokens). */
  finalEvalLoss?: () => number | Promise<number>;
  /**
   * Builds the trainer from the options runTraining sets (callbacks, progress, saving); default a
   * `Trainer` of `trainable` on `trainData` / `evalData`. `gptft sft` passes an `SFTTrainer`.
   */
  makeTrainer?: (common: CommonTrainerOptions<B>) => Trainer<B>;
  /** Evaluate once before training (logged at step 0), so the report shows where validation loss started. */
  evaluateFirst?: boolean;
  /** Whether there is validation data (default: `evalData` is not empty). */
  hasEval?: boolean;
  params: [string, tf.Variable][];
  trainData: readonly B[];
  evalData?: readonly B[];
  args: TrainingArgumentsInput;
  shuffle: boolean;
  /** Writes the model (full or adapter) into a folder: used for checkpoints. */
  save: (dir: string) => Promise<void>;
}): Promise<TrainingSummary> {
  const { ctx, model, trainData, evalData } = opts;
  const hasEval = opts.hasEval ?? (!!evalData && evalData.length > 0);
  const args: TrainingArgumentsInput = { ...opts.args, ...(hasEval ? {} : { evalStrategy: 'no' }) };
  const losses: number[] = [];
  let tokens = 0;
  const batchTokens = (batch: B) => {
    const b = batch as { numTokens?: number; inputIds: number[][]; attentionMask?: number[][] };
    if (typeof b.numTokens === 'number') return b.numTokens;
    return b.attentionMask
      ? b.attentionMask.reduce((acc, row) => acc + row.reduce((x, y) => x + y, 0), 0)
      : b.inputIds.length * (b.inputIds[0]?.length ?? 0);
  };
  const trainable =
    opts.trainable ?? (lmTrainable(model as GPT2LMHeadModel, opts.params) as unknown as TrainableModel<B>);
  model.train();
  const common: CommonTrainerOptions<B> = {
    args,
    shuffle: opts.shuffle,
    saveModel: opts.save,
    numTokens: (b) => {
      const n = batchTokens(b);
      tokens += n;
      return n;
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
  const trainer = opts.makeTrainer
    ? opts.makeTrainer(common)
    : new Trainer<B>({ ...common, model: trainable, trainData, ...(hasEval && { evalData }) });
  if (hasEval && opts.evaluateFirst) {
    trainable.setTraining?.(false);
    await trainer.evaluate();
  }
  const start = performance.now();
  try {
    const { globalStep, trainingLoss } = await trainer.train();
    const seconds = (performance.now() - start) / 1000;
    model.eval();
    const summary: TrainingSummary = {
      losses,
      logHistory: trainer.logHistory,
      trainingLoss,
      globalStep,
      tokensPerSecond: tokens / seconds,
      tokens,
      seconds,
    };
    if (hasEval) {
      const loss = opts.finalEvalLoss
        ? await opts.finalEvalLoss()
        : evaluateLoss(model as GPT2LMHeadModel, evalData as unknown as LMBatch[]).loss;
      summary.evalLoss = loss;
      ctx.log(
        `final validation loss ${fmt(loss)}${opts.finalEvalLoss ? '' : `  perplexity ${fmt(Math.exp(loss), 2)}`}`,
      );
    }
    return summary;
  } finally {
    trainer.optimizer.dispose();
    model.eval();
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
