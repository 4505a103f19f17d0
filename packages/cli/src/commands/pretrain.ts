import { Command } from 'commander';
import { type CausalLMExample, causalLMCollator } from '@gptft/datasets';
import { causalLMTrainable, Trainer } from '@gptft/trainer';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { GPT2LMHeadModel } from '@gptft/heads';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import {
  checkDataFiles,
  ENCODING_ERRORS_OPTION,
  readLmTokens,
  textReadOptions,
  toBlocks,
} from '../lm-data.js';
import { modelFiles, resolveResume, runTraining, writeRunArgs } from '../lm-training.js';
import { loadTokenizer } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';
import { writeReport } from '../report.js';
import { sampleGenerations } from '../samples.js';
import { resumeOptions, trainingArgumentsFrom, trainingOptionSpecs } from '../training-options.js';

export const PRETRAIN_DEFAULTS = {
  learningRate: 1e-3,
  weightDecay: 0.1,
  lrSchedulerType: 'cosine',
  warmupRatio: 0.05,
  numTrainEpochs: 1,
  perDeviceTrainBatchSize: 8,
  loggingSteps: 20,
  evalSteps: 100,
  saveSteps: 1000,
  saveTotalLimit: 1,
} as const;

/** `gptft pretrain`: a fresh GPT-2 of a chosen size trained from scratch on text files. */
export function pretrainCommand(): Command {
  const cmd = new Command('pretrain')
    .summary('train a new GPT-2 from scratch on text files')
    .description(
      'Train a new GPT-2 of the chosen size from random weights on text files (causal LM). The files are tokenized, concatenated and cut into blocks of --block-size tokens; a share of the blocks (or --validation-data) is held out and its perplexity reported as training goes. The result is a Hugging Face folder (config.json, model.safetensors, tokenizer files, report.html).',
    );
  addOptions(cmd, [
    {
      name: 'data',
      type: 'string',
      placeholder: 'file',
      variadic: true,
      description: 'training text files (.txt whole; .jsonl/.json/.csv: the "text" field of each record)',
    },
    {
      name: 'validation-data',
      type: 'string',
      placeholder: 'file',
      variadic: true,
      description: 'validation files (default: the last --validation-split-percentage of the blocks)',
    },
    {
      name: 'validation-split-percentage',
      type: 'number',
      description: 'percent of blocks held out when there is no --validation-data',
      default: 5,
      range: { min: 0, max: 100, maxExclusive: true },
    },
    {
      name: 'max-eval-samples',
      type: 'int',
      description: 'evaluate on at most this many validation blocks',
      range: { min: 1 },
    },
    {
      name: 'tokenizer',
      type: 'string',
      placeholder: 'dir',
      description:
        'tokenizer folder or hub id (vocab.json + merges.txt, e.g. from `gptft tokenizer train`); default GPT-2’s',
    },
    { name: 'n-layer', type: 'int', description: 'transformer blocks', default: 4, range: { min: 1 } },
    { name: 'n-embd', type: 'int', description: 'hidden width', default: 256, range: { min: 1 } },
    {
      name: 'n-head',
      type: 'int',
      description: 'attention heads (must divide --n-embd)',
      default: 4,
      range: { min: 1 },
    },
    {
      name: 'n-positions',
      type: 'int',
      description: 'context length of the model',
      default: 256,
      range: { min: 2 },
    },
    {
      name: 'block-size',
      type: 'int',
      description: 'tokens per training sequence (default: --n-positions)',
      range: { min: 2 },
    },
    {
      name: 'dropout',
      type: 'number',
      description: 'resid/embd/attn dropout of the new model',
      default: 0,
      range: { min: 0, max: 1, maxExclusive: true },
    },
    {
      name: 'save-dtype',
      type: ['float32', 'float16', 'bfloat16'],
      description: 'dtype of the saved model.safetensors',
      default: 'float32',
    },
    {
      name: 'sample-prompt',
      type: 'string',
      placeholder: 'text',
      variadic: true,
      description: 'prompts to sample before and after training (report.html)',
    },
    ...trainingOptionSpecs(PRETRAIN_DEFAULTS),
  ]);
  addOptions(cmd, [ENCODING_ERRORS_OPTION]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => {
    const opts = await resolveOptions(c);
    await pretrain(opts);
  });
  return cmd;
}

export async function pretrain(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  const data = (opts.data as string[] | undefined) ?? [];
  const outputDir = opts.outputDir as string | undefined;
  if (!outputDir) throw new CliError('--output-dir is required', 'e.g. --output-dir models/my-gpt');
  checkDataFiles(data);
  const resumeFrom = await resolveResume(outputDir, resumeOptions(opts));
  const valFiles = opts.validationData as string[] | undefined;
  if (valFiles) checkDataFiles(valFiles, '--validation-data');
  await selectBackend(ctx, opts.backend as string);
  const tokenizer = await loadTokenizer((opts.tokenizer as string | undefined) ?? 'gpt2-bpe');
  const nPositions = opts.nPositions as number;
  const blockSize = (opts.blockSize as number | undefined) ?? nPositions;
  if (blockSize > nPositions)
    throw new CliError(`--block-size ${blockSize} exceeds --n-positions ${nPositions}`);
  const dropout = opts.dropout as number;
  const eos = tokenizer.eosTokenId ?? null;
  const config = new GPT2Config({
    vocabSize: tokenizer.vocabSize,
    nPositions,
    nEmbd: opts.nEmbd as number,
    nLayer: opts.nLayer as number,
    nHead: opts.nHead as number,
    residPdrop: dropout,
    embdPdrop: dropout,
    attnPdrop: dropout,
    bosTokenId: eos,
    eosTokenId: eos,
  });
  const t0 = performance.now();
  const ids = await readLmTokens(data, tokenizer, textReadOptions(opts));
  let trainBlocks = toBlocks(ids, blockSize);
  let evalBlocks: CausalLMExample[];
  if (valFiles)
    evalBlocks = toBlocks(await readLmTokens(valFiles, tokenizer, textReadOptions(opts)), blockSize);
  else {
    const nVal = Math.floor((trainBlocks.length * (opts.validationSplitPercentage as number)) / 100);
    evalBlocks = nVal > 0 ? trainBlocks.slice(trainBlocks.length - nVal) : [];
    trainBlocks = trainBlocks.slice(0, trainBlocks.length - nVal);
  }
  const maxEval = opts.maxEvalSamples as number | undefined;
  if (maxEval !== undefined) evalBlocks = evalBlocks.slice(0, maxEval);
  if (trainBlocks.length === 0) {
    throw new CliError(
      `the training data has ${ids.length} tokens, fewer than one block of ${blockSize}`,
      'give more text or a smaller --block-size',
    );
  }
  ctx.log(
    `data: ${ids.length.toLocaleString('en-US')} tokens → ${trainBlocks.length} training and ${evalBlocks.length} validation blocks of ${blockSize} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const seed = opts.seed as number;
  const model = new GPT2LMHeadModel(new GPT2Model(config, { seed }));
  try {
    ctx.log(
      `new GPT-2: ${config.nLayer} layers, width ${config.nEmbd}, ${config.nHead} heads, context ${nPositions}, vocabulary ${config.vocabSize} — ${model.numParameters().toLocaleString('en-US')} parameters`,
    );
    const prompts = (opts.samplePrompt as string[] | undefined) ?? [];
    const before = await sampleGenerations(model, tokenizer, prompts, seed);
    const trainable = causalLMTrainable(model);
    const summary = await runTraining({
      ctx,
      trainable,
      files: modelFiles(model, undefined, tokenizer),
      args: { ...trainingArgumentsFrom(opts), outputDir },
      hasEval: evalBlocks.length > 0,
      shuffle: opts.shuffle !== false,
      saveDtype: opts.saveDtype as 'float32',
      ...(resumeFrom && { resumeFrom }),
      makeTrainer: (common) =>
        new Trainer({
          ...common,
          model: trainable,
          trainDataset: trainBlocks,
          evalDataset: evalBlocks,
          dataCollator: causalLMCollator({ padTokenId: eos ?? 0 }),
        }),
    });
    await writeRunArgs(outputDir, 'pretrain', opts);
    const after = await sampleGenerations(model, tokenizer, prompts, seed);
    const report = await writeReport(ctx, {
      title: `gptft pretrain: ${config.nLayer}-layer, ${config.nEmbd}-wide GPT-2`,
      model: `new GPT-2 (${model.numParameters().toLocaleString('en-US')} parameters, vocabulary ${config.vocabSize}, context ${nPositions})`,
      outputDir,
      summary,
      samples: prompts.map((p, i) => ({ prompt: p, before: before[i]!, after: after[i]! })),
      settings: opts,
    });
    for (const [i, p] of prompts.entries())
      ctx.log(`sample: ${JSON.stringify(p)} → ${JSON.stringify(after[i])}`);
    ctx.result(
      {
        output_dir: outputDir,
        losses: summary.losses,
        train_loss: summary.trainingLoss,
        global_step: summary.globalStep,
        ...(summary.resumedFrom !== undefined && { resumed_from: summary.resumedFrom }),
        ...(summary.evalLoss !== undefined && {
          eval_loss: summary.evalLoss,
          perplexity: Math.exp(summary.evalLoss),
        }),
        tokens_per_second: summary.tokensPerSecond,
        report,
      },
      () => `saved ${outputDir} (report: ${report})`,
    );
  } finally {
    model.dispose();
  }
}
