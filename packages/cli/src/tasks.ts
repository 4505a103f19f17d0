import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IGNORE_INDEX, tf } from '@gptft/backend';
import {
  type Batch,
  buildLabelMap,
  type Collator,
  type LabelMap,
  readRecords,
  type SequenceClassificationExample,
  sequenceClassificationCollator,
  type TokenClassificationExample,
  tokenClassificationCollator,
  tokenizeAndAlignLabels,
} from '@gptft/datasets';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification } from '@gptft/heads';
import {
  accuracyScore,
  entityPrecisionRecallF1,
  f1Score,
  type ReportRow,
  tokenAccuracy,
} from '@gptft/metrics';
import { writeFileAtomic } from '@gptft/hub';
import { PeftModel } from '@gptft/peft';
import { peftMethodImporter } from './peft-options.js';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import {
  type ComputeMetrics,
  type NestedNumbers,
  sequenceClassificationTrainable,
  type TrainableModel,
  Trainer,
  tokenClassificationTrainable,
} from '@gptft/trainer';
import type { Context } from './context.js';
import { CliError } from './errors.js';
import { checkDataFiles, type TextReadOptions, textReadOptions } from './lm-data.js';
import { loadTokenizer, modelSources, resolveModelAndAdapter, tokenizerSource } from './model-io.js';
import { ProgressBar } from './progress-bar.js';

/** The tasks `train` and `eval` know. */
export const TASKS = ['causal-lm', 'sequence-classification', 'token-classification'] as const;
export type Task = (typeof TASKS)[number];

/** A classification example: text and class (sequence) or words and tags (token). */
export type ClassificationRecord =
  | { text: string; label: string | number }
  | { tokens: string[]; tags: (string | number)[] };

/**
 * Reads classification records: `{text, label}` (JSONL/JSON/CSV/TSV, columns renamed with
 * `textColumn` / `labelColumn`) or `{tokens, tags}` (CoNLL / CoNLL-U or JSONL). A record without
 * the fields fails with file:line.
 */
export async function readClassificationRecords(
  files: readonly string[],
  task: Exclude<Task, 'causal-lm'>,
  columns: { text: string; label: string } = { text: 'text', label: 'label' },
  read: TextReadOptions = {},
): Promise<ClassificationRecord[]> {
  checkDataFiles(files);
  const out: ClassificationRecord[] = [];
  for (const f of files) {
    const before = out.length;
    for await (const r of readRecords(f, read)) {
      const v = r.value as Record<string, unknown>;
      const where = `${r.file}:${r.line}`;
      if (task === 'sequence-classification') {
        const text = v?.[columns.text];
        const label = v?.[columns.label];
        if (typeof text !== 'string')
          throw new CliError(
            `${where}: ${columns.text}: expected a string`,
            'set --text-column to the field holding the text',
          );
        if (typeof label !== 'string' && typeof label !== 'number') {
          throw new CliError(
            `${where}: ${columns.label}: expected a class name or id`,
            'set --label-column to the field holding the label',
          );
        }
        out.push({ text, label });
      } else {
        const tokens = v?.tokens;
        const tags = v?.tags;
        if (!Array.isArray(tokens) || !Array.isArray(tags) || tokens.length !== tags.length) {
          throw new CliError(
            `${where}: expected {tokens, tags} of the same length`,
            'token classification reads CoNLL files or {tokens, tags} records',
          );
        }
        out.push({ tokens: tokens as string[], tags: tags as (string | number)[] });
      }
    }
    if (out.length === before) {
      throw new CliError(
        `${f}: no records in this file (it is empty, or holds only blank lines or a header)`,
        task === 'token-classification'
          ? 'give a CoNLL file (one token and its tag per line) or JSONL with tokens and tags'
          : 'give a JSONL/CSV file with one text and its label per record',
      );
    }
  }
  return out;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The task of a trained model when `--task` is not given: an adapter's `task_type` (SEQ_CLS,
 * TOKEN_CLS), else the checkpoint's config.json `architectures` (GPT2ForSequenceClassification,
 * GPT2ForTokenClassification), else causal-lm.
 */
export function taskOfModel(path: string, adapterOpt?: string): Task {
  const { modelPath, adapter } = resolveModelAndAdapter(path, adapterOpt);
  if (adapter !== undefined) {
    const type = readJson(join(adapter, 'adapter_config.json'))?.task_type;
    if (type === 'SEQ_CLS') return 'sequence-classification';
    if (type === 'TOKEN_CLS') return 'token-classification';
  }
  const arch = readJson(join(modelPath, 'config.json'))?.architectures;
  const first = Array.isArray(arch) ? arch[0] : undefined;
  if (first === 'GPT2ForSequenceClassification') return 'sequence-classification';
  if (first === 'GPT2ForTokenClassification') return 'token-classification';
  return 'causal-lm';
}

/** Labels found in the data (sorted as HF's run_glue / run_ner do). */
export function labelMapOf(records: readonly ClassificationRecord[]): LabelMap {
  return buildLabelMap(records.map((r) => ('text' in r ? r.label : r.tags)));
}

/** Label map of a fine-tuned classifier's config (id2label). */
export function labelMapFromConfig(id2label: Record<number, string> | undefined): LabelMap | undefined {
  if (!id2label) return undefined;
  const labels = Object.keys(id2label)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => id2label[i]!);
  return { labels, id2label: { ...id2label }, label2id: Object.fromEntries(labels.map((l, i) => [l, i])) };
}

function classId(map: LabelMap, label: string | number, where: string): number {
  const id = map.label2id[String(label)];
  if (id === undefined)
    throw new CliError(
      `${where}: label ${JSON.stringify(label)} is not one of the model's labels (${map.labels.join(', ')})`,
    );
  return id;
}

/** A tokenized classification example, for the task's `@gptft/datasets` collator. */
export type ClassificationExample = SequenceClassificationExample | TokenClassificationExample;

/**
 * Tokenized examples (truncated to `maxLength`): `{ inputIds, label }` with the class id, or
 * `{ inputIds, labels }` with tag ids on each word's first sub-token and -100 elsewhere.
 */
export function classificationExamples(
  records: readonly ClassificationRecord[],
  tokenizer: GPT2Tokenizer,
  map: LabelMap,
  options: { maxLength: number },
): ClassificationExample[] {
  const pad = padTokenOf(tokenizer);
  return records.map((r, i) => {
    if ('text' in r) {
      const ids = tokenizer.encode(r.text).slice(0, options.maxLength);
      return { inputIds: ids.length ? ids : [pad], label: classId(map, r.label, `record ${i + 1}`) };
    }
    const aligned = tokenizeAndAlignLabels(tokenizer, r, {
      labels: map,
      maxLength: options.maxLength,
      addPrefixSpace: true,
    });
    return { inputIds: aligned.inputIds, labels: aligned.labels };
  });
}

/** The pad id classifiers use (GPT-2 has none: the tokenizer's pad, else end-of-text). */
export function padTokenOf(tokenizer: GPT2Tokenizer): number {
  return tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0;
}

/** The task's collator (right padding with the tokenizer's pad id). */
export function classificationCollator(
  task: Exclude<Task, 'causal-lm'>,
  tokenizer: GPT2Tokenizer,
): Collator<ClassificationExample> {
  const padTokenId = padTokenOf(tokenizer);
  return (
    task === 'sequence-classification'
      ? sequenceClassificationCollator({ padTokenId })
      : tokenClassificationCollator({ padTokenId })
  ) as Collator<ClassificationExample>;
}

export type Classifier = GPT2ForSequenceClassification | GPT2ForTokenClassification;

/** The classifier (or its PEFT adapter) as the Trainer trains it: `@gptft/trainer`'s task adapters. */
export function classifierTrainable(
  task: Exclude<Task, 'causal-lm'>,
  model: Classifier | PeftModel<Classifier>,
): TrainableModel<Batch> {
  return task === 'sequence-classification'
    ? sequenceClassificationTrainable(model as GPT2ForSequenceClassification)
    : tokenClassificationTrainable(model as GPT2ForTokenClassification);
}

/** Keeps the predicted class of each row (or token) instead of the logits (HF `preprocess_logits_for_metrics`). */
export const argmaxLogits = (logits: tf.Tensor): tf.Tensor => tf.argMax(logits, -1);

/**
 * The task's metrics (HF `compute_metrics` of run_glue / run_ner): accuracy and macro F1 of class
 * ids (scikit-learn's definitions), or seqeval's micro entity precision/recall/F1 and the token
 * accuracy over tokens with a label.
 */
export function classificationMetrics(task: Exclude<Task, 'causal-lm'>, map: LabelMap): ComputeMetrics {
  if (task === 'sequence-classification') {
    return ({ predictions, labelIds }) => {
      const yPred = predictions as number[];
      const yTrue = labelIds as number[];
      return {
        accuracy: accuracyScore(yTrue, yPred),
        f1_macro: f1Score(yTrue, yPred, { average: 'macro', zeroDivision: 0 }),
      };
    };
  }
  return ({ predictions, labelIds }) => {
    const seqTrue: string[][] = [];
    const seqPred: string[][] = [];
    (labelIds as NestedNumbers[]).forEach((row, i) => {
      const t: string[] = [];
      const p: string[] = [];
      (row as number[]).forEach((l, j) => {
        if (l === IGNORE_INDEX) return;
        t.push(map.labels[l]!);
        p.push(map.labels[(predictions[i] as number[])[j]!]!);
      });
      seqTrue.push(t);
      seqPred.push(p);
    });
    const row = entityPrecisionRecallF1(seqTrue, seqPred, { average: 'micro' }) as ReportRow;
    return {
      precision: row.precision,
      recall: row.recall,
      f1: row.f1,
      accuracy: tokenAccuracy(seqTrue, seqPred),
    };
  };
}

/** Loads a classifier of the task (new head with `map`'s labels when given). */
export async function loadClassifier(
  task: Exclude<Task, 'causal-lm'>,
  model: string,
  map?: LabelMap,
  seed?: number,
): Promise<Classifier> {
  const options = {
    ...(map && { numLabels: map.labels.length, id2label: map.id2label, label2id: map.label2id }),
    ...(seed !== undefined && { seed }),
  };
  return task === 'sequence-classification'
    ? GPT2ForSequenceClassification.fromPretrained(model, options)
    : GPT2ForTokenClassification.fromPretrained(model, options);
}

/**
 * The label map saved next to a classifier's PEFT adapter (`label_map.json`: `{id2label,
 * label2id}`): an adapter folder has no config.json, and the base model's has no labels.
 */
export const LABEL_MAP_FILE = 'label_map.json';

export async function writeLabelMap(dir: string, map: LabelMap): Promise<void> {
  await writeFileAtomic(
    join(dir, LABEL_MAP_FILE),
    `${JSON.stringify({ id2label: map.id2label, label2id: map.label2id }, null, 2)}\n`,
  );
}

function readLabelMap(dir: string): LabelMap | undefined {
  const file = join(dir, LABEL_MAP_FILE);
  if (!existsSync(file)) return undefined;
  let id2label: unknown;
  try {
    id2label = (JSON.parse(readFileSync(file, 'utf8')) as { id2label?: unknown }).id2label;
  } catch (e) {
    throw new CliError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label))
    throw new CliError(`${file}: id2label: expected an object {"0": "label", …}`);
  return labelMapFromConfig(id2label as Record<number, string>);
}

/** GPT-2 has no pad token: a classifier pads (and pools the last non-pad token) with the tokenizer's. */
export function usePadTokenOf(model: Classifier, tokenizer: GPT2Tokenizer): void {
  if (model.config.padTokenId === null && tokenizer.padTokenId !== undefined) {
    (model.config as { padTokenId: number | null }).padTokenId = tokenizer.padTokenId;
  }
}

/** A fine-tuned classifier ready to evaluate: its labels, tokenizer and, for an adapter, the PEFT model. */
export interface TrainedClassifier {
  model: Classifier;
  tokenizer: GPT2Tokenizer;
  map: LabelMap;
  /** The adapter, when the classifier is base + adapter. */
  peft?: PeftModel<Classifier>;
  dispose(): void;
}

/**
 * Loads a classifier fine-tuned by `gptft train`: a full checkpoint (labels in config.json), or a
 * base model + LoRA adapter folder (`--adapter`, or `--model` the adapter folder; labels in its
 * label_map.json, the head restored from the adapter's `modules_to_save` weights).
 */
export async function loadTrainedClassifier(
  task: Exclude<Task, 'causal-lm'>,
  path: string,
  options: { adapter?: string; tokenizer?: string } = {},
): Promise<TrainedClassifier> {
  const { modelPath, adapter } = resolveModelAndAdapter(path, options.adapter);
  const adapterMap = adapter !== undefined ? readLabelMap(adapter) : undefined;
  if (adapter !== undefined && !adapterMap)
    throw new CliError(
      `${adapter}: no ${LABEL_MAP_FILE}`,
      'evaluate an adapter written by gptft train --task … --peft lora',
    );
  const model = await loadClassifier(task, modelPath, adapterMap);
  let peft: PeftModel<Classifier> | undefined;
  try {
    const map = adapterMap ?? labelMapFromConfig(model.config.id2label);
    if (!map)
      throw new CliError(
        `${path}: config.json has no id2label`,
        'evaluate a model fine-tuned with gptft train --task …',
      );
    const tokSource = tokenizerSource(modelPath, adapter, options.tokenizer);
    const tokenizer = await loadTokenizer(
      tokSource,
      tokSource === modelPath ? model.config.vocabSize : undefined,
    );
    usePadTokenOf(model, tokenizer);
    if (adapter !== undefined)
      peft = await PeftModel.fromPretrained(model, adapter, { importMethod: peftMethodImporter });
    const p = peft;
    return {
      model,
      tokenizer,
      map,
      ...(p && { peft: p }),
      dispose: () => {
        p?.unload();
        model.dispose();
      },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Loss and metrics of a classifier on examples, through `Trainer.evaluate` with the task's
 * `computeMetrics` (keys without the `eval_` prefix: `loss`, `accuracy`, …). Writes nothing.
 */
export async function classifierMetrics(
  task: Exclude<Task, 'causal-lm'>,
  clf: { model: Classifier; tokenizer: GPT2Tokenizer; map: LabelMap; peft?: PeftModel<Classifier> },
  examples: readonly ClassificationExample[],
  batchSize: number,
  progress?: NodeJS.WriteStream,
): Promise<Record<string, number>> {
  const collate = classificationCollator(task, clf.tokenizer);
  // On a terminal: a bar of the examples evaluated, redrawn as each batch is collated (the
  // evaluation loop collates a batch right before it runs it).
  const bar = progress && new ProgressBar(progress, examples.length, 'examples');
  let done = 0;
  const trainer = new Trainer({
    model: classifierTrainable(task, clf.peft ?? clf.model),
    args: { perDeviceEvalBatchSize: batchSize },
    evalDataset: examples,
    dataCollator: bar
      ? (batch: readonly ClassificationExample[]) => {
          bar.draw(done);
          done += batch.length;
          return collate(batch);
        }
      : collate,
    computeMetrics: classificationMetrics(task, clf.map),
    preprocessLogitsForMetrics: argmaxLogits,
    logToFile: false,
    progress: false,
  });
  try {
    const m = await trainer.evaluate();
    bar?.draw(done);
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(/^eval_/, ''), v]));
  } finally {
    bar?.clear();
    trainer.optimizer.dispose();
  }
}

/** `gptft eval --task sequence-classification|token-classification`. */
export async function evaluateClassifier(
  ctx: Context,
  opts: Record<string, unknown>,
): Promise<Record<string, number>> {
  const task = opts.task as Exclude<Task, 'causal-lm'>;
  const clf = await loadTrainedClassifier(task, opts.model as string, modelSources(opts));
  try {
    const { model, tokenizer, map } = clf;
    let records = await readClassificationRecords(
      opts.data as string[],
      task,
      { text: opts.textColumn as string, label: opts.labelColumn as string },
      textReadOptions(opts),
    );
    const max = opts.maxEvalSamples as number | undefined;
    if (max !== undefined) records = records.slice(0, max);
    const examples = classificationExamples(records, tokenizer, map, {
      maxLength: Math.min(model.config.nPositions, 256),
    });
    ctx.debug(`${records.length} examples`);
    const stderr = ctx.stderr as NodeJS.WriteStream;
    return await classifierMetrics(
      task,
      clf,
      examples,
      opts.perDeviceEvalBatchSize as number,
      stderr.isTTY ? stderr : undefined,
    );
  } finally {
    clf.dispose();
  }
}
