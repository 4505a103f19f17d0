import { Command } from 'commander';
import type { GPT2LMHeadModel } from '@gptft/heads';
import type { PeftModel } from '@gptft/peft';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import { batchBlocks, readLmTokens, toBlocks } from '../lm-data.js';
import { lmTrainable, runTraining, type TrainingSummary, writeRunArgs } from '../lm-training.js';
import { loadLanguageModel, loadTokenizer } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';
import { optimizerSteps, PEFT_OPTIONS, peftModelFrom, withPeftTraining } from '../peft-options.js';
import { writeReport } from '../report.js';
import {
  type Classifier,
  type ClassificationRecord,
  classificationBatches,
  classifierMetrics,
  classifierTrainable,
  labelMapOf,
  loadClassifier,
  readClassificationRecords,
  TASKS,
  type Task,
  usePadTokenOf,
  writeLabelMap,
} from '../tasks.js';
import { trainingArgumentsFrom, trainingOptionSpecs } from '../training-options.js';

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
    },
    {
      name: 'block-size',
      type: 'int',
      description: 'causal-lm: tokens per block (default: the model’s context, at most 1024)',
    },
    {
      name: 'max-seq-length',
      type: 'int',
      description: 'classification: tokens per example at most',
      default: 128,
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
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => train(await resolveOptions(c)));
  return cmd;
}

function split<T>(items: T[], pct: number): [T[], T[]] {
  const n = Math.floor((items.length * pct) / 100);
  return n > 0 ? [items.slice(0, items.length - n), items.slice(items.length - n)] : [items, []];
}

export async function train(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  const outputDir = opts.outputDir as string | undefined;
  if (!outputDir) throw new CliError('--output-dir is required', 'e.g. --output-dir out/my-model');
  const task = opts.task as Task;
  const data = (opts.data as string[] | undefined) ?? [];
  const valFiles = opts.validationData as string[] | undefined;
  const args = { ...trainingArgumentsFrom(opts), outputDir };
  const shuffle = opts.shuffle !== false;
  const pct = opts.validationSplitPercentage as number;
  let summary: TrainingSummary;
  let metrics: Record<string, number> = {};
  let what: string;
  if (task === 'causal-lm') {
    await selectBackend(ctx, opts.backend as string);
    const lm = await loadLanguageModel(opts.model as string, {
      ...(opts.tokenizer !== undefined && { tokenizer: opts.tokenizer as string }),
    });
    const { model, tokenizer } = lm;
    let peft: PeftModel<GPT2LMHeadModel> | undefined;
    try {
      const blockSize = (opts.blockSize as number | undefined) ?? Math.min(model.config.nPositions, 1024);
      if (blockSize > model.config.nPositions)
        throw new CliError(
          `--block-size ${blockSize} exceeds the model's context (${model.config.nPositions})`,
        );
      let [trainBlocks, evalBlocks] = split(
        toBlocks(await readLmTokens(data, tokenizer), blockSize),
        valFiles ? 0 : pct,
      );
      if (valFiles) evalBlocks = toBlocks(await readLmTokens(valFiles, tokenizer), blockSize);
      if (trainBlocks.length === 0)
        throw new CliError(
          `${data.join(', ')}: fewer tokens than one block of ${blockSize}`,
          'pass a smaller --block-size',
        );
      ctx.log(
        `data: ${trainBlocks.length} training and ${evalBlocks.length} validation blocks of ${blockSize} tokens`,
      );
      let params = model.namedParameters();
      what = `${opts.model}, full fine-tuning`;
      const trainData = batchBlocks(trainBlocks, args.perDeviceTrainBatchSize ?? 8);
      const attached = await peftModelFrom(opts, model, {
        modelPath: opts.model as string,
        taskType: 'CAUSAL_LM',
        seed: args.seed ?? 42,
        totalSteps: optimizerSteps(args, trainData.length),
      });
      if (attached) {
        peft = attached.peft;
        params = peft.namedTrainableParameters();
        ctx.log(peft.trainableParametersLine());
        what = `${opts.model} + ${attached.what}`;
      }
      const save = async (dir: string) => {
        if (peft) await peft.savePretrained(dir);
        else await model.savePretrained(dir, { dtype: opts.saveDtype as 'float32' });
        await tokenizer.savePretrained(dir);
      };
      summary = await runTraining({
        ctx,
        model,
        params,
        ...(peft && { trainable: withPeftTraining(lmTrainable(model, params), peft) }),
        trainData,
        evalData: batchBlocks(evalBlocks, args.perDeviceEvalBatchSize ?? 8),
        args,
        shuffle,
        save,
      });
      await save(outputDir);
      if (summary.evalLoss !== undefined) metrics = { perplexity: Math.exp(summary.evalLoss) };
    } finally {
      peft?.unload();
      lm.dispose();
    }
  } else {
    const columns = { text: opts.textColumn as string, label: opts.labelColumn as string };
    let records: ClassificationRecord[] = await readClassificationRecords(data, task, columns);
    let valRecords: ClassificationRecord[] = [];
    if (valFiles) valRecords = await readClassificationRecords(valFiles, task, columns);
    else [records, valRecords] = split(records, pct);
    await selectBackend(ctx, opts.backend as string);
    const map = labelMapOf([...records, ...valRecords]);
    const model = await loadClassifier(task, opts.model as string, map);
    let peft: PeftModel<Classifier> | undefined;
    try {
      const tokenizer = await loadTokenizer(
        (opts.tokenizer as string | undefined) ?? (opts.model as string),
        model.config.vocabSize,
      );
      usePadTokenOf(model, tokenizer);
      const maxLength = Math.min(opts.maxSeqLength as number, model.config.nPositions);
      const trainBatches = classificationBatches(records, tokenizer, map, {
        maxLength,
        batchSize: args.perDeviceTrainBatchSize ?? 8,
      });
      const evalBatches = classificationBatches(valRecords, tokenizer, map, {
        maxLength,
        batchSize: args.perDeviceEvalBatchSize ?? 8,
      });
      ctx.log(
        `data: ${records.length} training and ${valRecords.length} validation examples; labels: ${map.labels.join(', ')}`,
      );
      const head = `new ${task === 'sequence-classification' ? 'score' : 'classifier'} head (${map.labels.length} labels)`;
      let params = model.namedParameters();
      what = `${opts.model} + ${head}, full fine-tuning`;
      // task_type SEQ_CLS / TOKEN_CLS from the head: the head trains and is saved with the adapter.
      const attached = await peftModelFrom(opts, model, {
        modelPath: opts.model as string,
        seed: args.seed ?? 42,
        totalSteps: optimizerSteps(args, trainBatches.length),
      });
      if (attached) {
        peft = attached.peft;
        params = peft.namedTrainableParameters();
        ctx.log(peft.trainableParametersLine());
        what = `${opts.model} + ${attached.what} + ${head} (trained, saved with the adapter)`;
      }
      const save = async (dir: string) => {
        if (peft) {
          await peft.savePretrained(dir);
          await writeLabelMap(dir, map);
        } else await model.savePretrained(dir, { dtype: opts.saveDtype as 'float32' });
        await tokenizer.savePretrained(dir);
      };
      summary = await runTraining({
        ctx,
        model,
        params,
        trainable: peft
          ? withPeftTraining(classifierTrainable(model, params), peft)
          : classifierTrainable(model, params),
        trainData: trainBatches,
        evalData: evalBatches,
        finalEvalLoss: () => {
          metrics = classifierMetrics(model, evalBatches, map);
          return metrics.loss!;
        },
        args,
        shuffle,
        save,
      });
      await save(outputDir);
      if (Object.keys(metrics).length)
        ctx.log(
          `validation: ${Object.entries(metrics)
            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
            .join(', ')}`,
        );
    } finally {
      peft?.unload();
      model.dispose();
    }
  }
  await writeRunArgs(outputDir, 'train', opts);
  const report = await writeReport(ctx, {
    title: `gptft train --task ${task}`,
    model: what,
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
      ...(summary.evalLoss !== undefined && { eval_loss: summary.evalLoss }),
      ...(Object.keys(metrics).length > 0 && { metrics }),
      report,
    },
    () => `saved ${outputDir} (report: ${report})`,
  );
}
