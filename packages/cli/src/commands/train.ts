import { Command } from 'commander';
import type { tf } from '@gptft/backend';
import { type Batch, causalLMCollator } from '@gptft/datasets';
import { type ComputeMetrics, causalLMTrainable, type TrainableModel, Trainer } from '@gptft/trainer';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import { ENCODING_ERRORS_OPTION, readLmTokens, textReadOptions, toBlocks } from '../lm-data.js';
import {
  type ModelFiles,
  modelFiles,
  resolveResume,
  runTraining,
  type SaveDtype,
  type TrainingSummary,
  wrapWithPeft,
  writeRunArgs,
} from '../lm-training.js';
import { loadLanguageModel, loadTokenizer } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';
import { optimizerSteps, PEFT_OPTIONS } from '../peft-options.js';
import { writeReport } from '../report.js';
import {
  argmaxLogits,
  type ClassificationRecord,
  classificationCollator,
  classificationExamples,
  classificationMetrics,
  classifierTrainable,
  labelMapOf,
  loadClassifier,
  readClassificationRecords,
  TASKS,
  type Task,
  usePadTokenOf,
  writeLabelMap,
} from '../tasks.js';
import { resumeOptions, trainingArgumentsFrom, trainingOptionSpecs } from '../training-options.js';

export const TRAIN_DEFAULTS = {
  loggingSteps: 10,
  evalSteps: 50,
  saveSteps: 500,
  saveTotalLimit: 1,
  numTrainEpochs: 3,
} as const;

/** `gptft train --task …`: fine-tuning of a causal LM or a classifier. */
export function trainCommand(): Command {
  const cmd = new Command('train')
    .summary('fine-tune for causal-lm, sequence-classification or token-classification')
    .description(
      'Fine-tune a model (folder or hub id). causal-lm: text files cut into blocks of --block-size tokens as run_clm.py (LoRA with --peft lora); with --json prints {"losses": [loss of every step], "output_dir"}. sequence-classification: {text, label} records (JSONL/JSON/CSV/TSV), a new score head with the labels found in the data, accuracy and macro F1 on the validation data. token-classification: CoNLL files or {tokens, tags} records, a new classifier head, seqeval entity F1. Classifiers are fully fine-tuned, or with --peft lora get a LoRA adapter whose folder also holds the trained head (PEFT task_type SEQ_CLS / TOKEN_CLS, modules_to_save) and label_map.json; eval --model <adapter folder> loads base + adapter.',
    );
  addOptions(cmd, [
    { name: 'task', type: TASKS, description: 'what to train', default: 'causal-lm' },
    {
      name: 'model',
      type: 'string',
      placeholder: 'dir|id',
      description: 'model folder or hub id',
      default: 'gpt2',
    },
    {
      name: 'tokenizer',
      type: 'string',
      placeholder: 'dir',
      description: 'tokenizer folder (default: the model’s)',
    },
    { name: 'data', type: 'string', placeholder: 'file', variadic: true, description: 'training files' },
    {
      name: 'validation-data',
      type: 'string',
      placeholder: 'file',
      variadic: true,
      description: 'validation files',
    },
    {
      name: 'validation-split-percentage',
      type: 'number',
      description: 'percent of the training data held out when there is no --validation-data',
      default: 0,
      range: { min: 0, max: 100, maxExclusive: true },
    },
    {
      name: 'block-size',
      type: 'int',
      description: 'causal-lm: tokens per block (default: the model’s context, at most 1024)',
      range: { min: 2 },
    },
    {
      name: 'max-seq-length',
      type: 'int',
      description: 'classification: tokens per example at most',
      default: 128,
      range: { min: 1 },
    },
    {
      name: 'text-column',
      type: 'string',
      description: 'sequence-classification: field with the text',
      default: 'text',
    },
    {
      name: 'label-column',
      type: 'string',
      description: 'sequence-classification: field with the label',
      default: 'label',
    },
    ...PEFT_OPTIONS.map((o) => (o.name === 'peft' ? { ...o, default: 'none' } : o)),
    {
      name: 'save-dtype',
      type: ['float32', 'float16', 'bfloat16'],
      description: 'dtype of the saved model',
      default: 'float32',
    },
    ...trainingOptionSpecs(TRAIN_DEFAULTS),
  ]);
  addOptions(cmd, [ENCODING_ERRORS_OPTION]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => train(await resolveOptions(c)));
  return cmd;
}

function split<T>(items: T[], pct: number): [T[], T[]] {
  const n = Math.floor((items.length * pct) / 100);
  return n > 0 ? [items.slice(0, items.length - n), items.slice(items.length - n)] : [items, []];
}

/** Optimizer steps of a run over `examples` training examples (AdaLoRA's budget schedule). */
function totalSteps(opts: Record<string, unknown>, examples: number): number {
  const args = trainingArgumentsFrom(opts);
  return optimizerSteps(args, Math.ceil(examples / (args.perDeviceTrainBatchSize ?? 8)));
}

/** What `train` trains for its task: the model, its data and collator, how it is saved. */
interface TaskRun {
  trainable: TrainableModel<Batch>;
  files: ModelFiles;
  trainDataset: readonly unknown[];
  evalDataset: readonly unknown[];
  dataCollator: (examples: readonly unknown[]) => Batch;
  computeMetrics?: ComputeMetrics;
  preprocessLogitsForMetrics?: (logits: tf.Tensor) => tf.Tensor;
  /** What was trained, for the report. */
  what: string;
  /** The metrics reported from the final evaluation. */
  metricsOf(summary: TrainingSummary): Record<string, number>;
  dispose(): void;
}

/** `--task causal-lm`: blocks of `--block-size` tokens (run_clm), the LM or its LoRA adapter. */
async function causalLMRun(ctx: Context, opts: Record<string, unknown>): Promise<TaskRun> {
  const data = (opts.data as string[] | undefined) ?? [];
  const valFiles = opts.validationData as string[] | undefined;
  const lm = await loadLanguageModel(opts.model as string, {
    ...(opts.tokenizer !== undefined && { tokenizer: opts.tokenizer as string }),
    seed: opts.seed as number,
  });
  const { model, tokenizer } = lm;
  try {
    const blockSize = (opts.blockSize as number | undefined) ?? Math.min(model.config.nPositions, 1024);
    if (blockSize > model.config.nPositions)
      throw new CliError(
        `--block-size ${blockSize} exceeds the model's context (${model.config.nPositions})`,
      );
    let [trainBlocks, evalBlocks] = split(
      toBlocks(await readLmTokens(data, tokenizer, textReadOptions(opts)), blockSize),
      valFiles ? 0 : (opts.validationSplitPercentage as number),
    );
    if (valFiles)
      evalBlocks = toBlocks(await readLmTokens(valFiles, tokenizer, textReadOptions(opts)), blockSize);
    if (trainBlocks.length === 0)
      throw new CliError(
        `${data.join(', ')}: fewer tokens than one block of ${blockSize}`,
        'pass a smaller --block-size',
      );
    ctx.log(
      `data: ${trainBlocks.length} training and ${evalBlocks.length} validation blocks of ${blockSize} tokens`,
    );
    const { peft, what } = await wrapWithPeft(ctx, opts, model, {
      taskType: 'CAUSAL_LM',
      totalSteps: totalSteps(opts, trainBlocks.length),
    });
    return {
      trainable: causalLMTrainable(peft ?? model),
      files: modelFiles(model, peft, tokenizer),
      trainDataset: trainBlocks,
      evalDataset: evalBlocks,
      dataCollator: causalLMCollator({ padTokenId: tokenizer.eosTokenId ?? 0 }) as TaskRun['dataCollator'],
      what: what ?? `${opts.model}, full fine-tuning`,
      metricsOf: (s): Record<string, number> =>
        s.evalLoss !== undefined ? { perplexity: Math.exp(s.evalLoss) } : {},
      dispose: () => {
        peft?.unload();
        lm.dispose();
      },
    };
  } catch (e) {
    lm.dispose();
    throw e;
  }
}

/** Classification: a new head with the data's labels, accuracy/F1 or seqeval metrics. */
async function classifierRun(
  ctx: Context,
  opts: Record<string, unknown>,
  task: Exclude<Task, 'causal-lm'>,
): Promise<TaskRun> {
  const data = (opts.data as string[] | undefined) ?? [];
  const valFiles = opts.validationData as string[] | undefined;
  const columns = { text: opts.textColumn as string, label: opts.labelColumn as string };
  let records: ClassificationRecord[] = await readClassificationRecords(
    data,
    task,
    columns,
    textReadOptions(opts),
  );
  let valRecords: ClassificationRecord[] = [];
  if (valFiles) valRecords = await readClassificationRecords(valFiles, task, columns, textReadOptions(opts));
  else [records, valRecords] = split(records, opts.validationSplitPercentage as number);
  await selectBackend(ctx, opts.backend as string);
  const map = labelMapOf([...records, ...valRecords]);
  const model = await loadClassifier(task, opts.model as string, map, opts.seed as number);
  try {
    const tokenizer = await loadTokenizer(
      (opts.tokenizer as string | undefined) ?? (opts.model as string),
      model.config.vocabSize,
    );
    usePadTokenOf(model, tokenizer);
    const maxLength = Math.min(opts.maxSeqLength as number, model.config.nPositions);
    ctx.log(
      `data: ${records.length} training and ${valRecords.length} validation examples; labels: ${map.labels.join(', ')}`,
    );
    const head = `new ${task === 'sequence-classification' ? 'score' : 'classifier'} head (${map.labels.length} labels)`;
    // task_type SEQ_CLS / TOKEN_CLS from the head: the head trains and is saved with the adapter.
    const { peft, what } = await wrapWithPeft(ctx, opts, model, {
      totalSteps: totalSteps(opts, records.length),
    });
    return {
      trainable: classifierTrainable(task, peft ?? model),
      // An adapter folder has no config.json: the labels go next to it.
      files: modelFiles(model, peft, tokenizer, peft && ((dir) => writeLabelMap(dir, map))),
      trainDataset: classificationExamples(records, tokenizer, map, { maxLength }),
      evalDataset: classificationExamples(valRecords, tokenizer, map, { maxLength }),
      dataCollator: classificationCollator(task, tokenizer) as TaskRun['dataCollator'],
      computeMetrics: classificationMetrics(task, map),
      preprocessLogitsForMetrics: argmaxLogits,
      what: what
        ? `${what} + ${head} (trained, saved with the adapter)`
        : `${opts.model} + ${head}, full fine-tuning`,
      metricsOf: (s) => s.evalMetrics ?? {},
      dispose: () => {
        peft?.unload();
        model.dispose();
      },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export async function train(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  const outputDir = opts.outputDir as string | undefined;
  if (!outputDir) throw new CliError('--output-dir is required', 'e.g. --output-dir out/my-model');
  const task = opts.task as Task;
  const resumeFrom = await resolveResume(outputDir, resumeOptions(opts));
  if (task === 'causal-lm') await selectBackend(ctx, opts.backend as string);
  const run = task === 'causal-lm' ? await causalLMRun(ctx, opts) : await classifierRun(ctx, opts, task);
  let summary: TrainingSummary;
  try {
    summary = await runTraining({
      ctx,
      trainable: run.trainable,
      files: run.files,
      args: { ...trainingArgumentsFrom(opts), outputDir },
      hasEval: run.evalDataset.length > 0,
      shuffle: opts.shuffle !== false,
      saveDtype: opts.saveDtype as SaveDtype,
      ...(resumeFrom && { resumeFrom }),
      makeTrainer: (common) =>
        new Trainer({
          ...common,
          model: run.trainable,
          trainDataset: run.trainDataset,
          evalDataset: run.evalDataset,
          dataCollator: run.dataCollator,
          ...(run.computeMetrics && { computeMetrics: run.computeMetrics }),
          ...(run.preprocessLogitsForMetrics && {
            preprocessLogitsForMetrics: run.preprocessLogitsForMetrics,
          }),
        }),
    });
  } finally {
    run.dispose();
  }
  const metrics = run.metricsOf(summary);
  await writeRunArgs(outputDir, 'train', opts);
  const report = await writeReport(ctx, {
    title: `gptft train --task ${task}`,
    model: run.what,
    outputDir,
    summary,
    metrics,
    settings: opts,
  });
  ctx.result(
    {
      losses: summary.losses,
      output_dir: outputDir,
      train_loss: summary.trainingLoss,
      global_step: summary.globalStep,
      ...(summary.resumedFrom !== undefined && { resumed_from: summary.resumedFrom }),
      ...(summary.evalLoss !== undefined && { eval_loss: summary.evalLoss }),
      ...(Object.keys(metrics).length > 0 && { metrics }),
      report,
    },
    () => `saved ${outputDir} (report: ${report})`,
  );
}
