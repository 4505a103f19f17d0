import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '@gptft/backend';
import { buildLabelMap, type LabelMap, readRecords, tokenizeAndAlignLabels } from '@gptft/datasets';
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
import type { TrainableModel } from '@gptft/trainer';
import type { Context } from './context.js';
import { CliError } from './errors.js';
import { checkDataFiles } from './lm-data.js';
import { trainableOf } from './lm-training.js';
import { loadTokenizer, modelSources, resolveModelAndAdapter, tokenizerSource } from './model-io.js';

/** The tasks `train` and `eval` know. */
export const TASKS = ['causal-lm', 'sequence-classification', 'token-classification'] as const;
export type Task = (typeof TASKS)[number];

/** A classification example: text and class (sequence) or words and tags (token). */
export type ClassificationRecord =
  | { text: string; label: string | number }
  | { tokens: string[]; tags: (string | number)[] };

/** A padded classification batch. `labels`: [B] class ids, or [B, T] tag ids with -100. */
export interface ClassificationBatch {
  inputIds: number[][];
  attentionMask: number[][];
  labels: number[] | number[][];
}

/**
 * Reads classification records: `{text, label}` (JSONL/JSON/CSV/TSV, columns renamed with
 * `textColumn` / `labelColumn`) or `{tokens, tags}` (CoNLL / CoNLL-U or JSONL). A record without
 * the fields fails with file:line.
 */
export async function readClassificationRecords(
  files: readonly string[],
  task: Exclude<Task, 'causal-lm'>,
  columns: { text: string; label: string } = { text: 'text', label: 'label' },
): Promise<ClassificationRecord[]> {
  checkDataFiles(files);
  const out: ClassificationRecord[] = [];
  for (const f of files) {
    for await (const r of readRecords(f)) {
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

/** Tokenized, padded batches (right padding with the pad id; tag labels -100 on padding and later sub-tokens). */
export function classificationBatches(
  records: readonly ClassificationRecord[],
  tokenizer: GPT2Tokenizer,
  map: LabelMap,
  options: { maxLength: number; batchSize: number },
): ClassificationBatch[] {
  const pad = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0;
  const examples = records.map((r, i) => {
    if ('text' in r) {
      const ids = tokenizer.encode(r.text).slice(0, options.maxLength);
      return {
        ids: ids.length ? ids : [pad],
        label: classId(map, r.label, `record ${i + 1}`) as number | number[],
      };
    }
    const aligned = tokenizeAndAlignLabels(tokenizer, r, {
      labels: map,
      maxLength: options.maxLength,
      addPrefixSpace: true,
    });
    return { ids: aligned.inputIds, label: aligned.labels as number | number[] };
  });
  const out: ClassificationBatch[] = [];
  for (let s = 0; s < examples.length; s += options.batchSize) {
    const rows = examples.slice(s, s + options.batchSize);
    const len = Math.max(...rows.map((r) => r.ids.length));
    out.push({
      inputIds: rows.map((r) => [...r.ids, ...new Array<number>(len - r.ids.length).fill(pad)]),
      attentionMask: rows.map((r) => [
        ...new Array<number>(r.ids.length).fill(1),
        ...new Array<number>(len - r.ids.length).fill(0),
      ]),
      labels: Array.isArray(rows[0]!.label)
        ? rows.map((r) => [
            ...(r.label as number[]),
            ...new Array<number>(len - (r.label as number[]).length).fill(-100),
          ])
        : rows.map((r) => r.label as number),
    });
  }
  return out;
}

export type Classifier = GPT2ForSequenceClassification | GPT2ForTokenClassification;

/** The classifier's loss as the Trainer needs it (`params` train; default all of them). */
export function classifierTrainable(
  model: Classifier,
  params: [string, tf.Variable][] = model.namedParameters(),
): TrainableModel<ClassificationBatch> {
  return trainableOf<ClassificationBatch>(model, params, (b) =>
    (model as GPT2ForSequenceClassification).forward({
      inputIds: b.inputIds,
      attentionMask: b.attentionMask,
      labels: b.labels as number[],
    }),
  );
}

/** Loss and metrics of a classifier on batches: accuracy + macro F1, or seqeval entity P/R/F1 + token accuracy. */
export function classifierMetrics(
  model: Classifier,
  batches: readonly ClassificationBatch[],
  map: LabelMap,
): Record<string, number> {
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let n = 0;
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const seqTrue: string[][] = [];
  const seqPred: string[][] = [];
  for (const b of batches) {
    const { loss, pred } = tf.tidy(() => {
      const out = (model as GPT2ForSequenceClassification).forward({
        inputIds: b.inputIds,
        attentionMask: b.attentionMask,
        labels: b.labels as number[],
      });
      return {
        loss: out.loss!.dataSync()[0]!,
        pred: tf.argMax(out.logits, -1).arraySync() as number[] | number[][],
      };
    });
    lossSum += loss * b.inputIds.length;
    n += b.inputIds.length;
    if (model instanceof GPT2ForSequenceClassification) {
      yTrue.push(...(b.labels as number[]));
      yPred.push(...(pred as number[]));
    } else {
      (b.labels as number[][]).forEach((row, i) => {
        const t: string[] = [];
        const p: string[] = [];
        row.forEach((l, j) => {
          if (l === -100) return;
          t.push(map.labels[l]!);
          p.push(map.labels[(pred as number[][])[i]![j]!]!);
        });
        seqTrue.push(t);
        seqPred.push(p);
      });
    }
  }
  if (wasTraining) model.train();
  const metrics: Record<string, number> = { loss: lossSum / n };
  if (model instanceof GPT2ForSequenceClassification) {
    metrics.accuracy = accuracyScore(yTrue, yPred);
    metrics.f1_macro = f1Score(yTrue, yPred, { average: 'macro', zeroDivision: 0 });
  } else {
    const row = entityPrecisionRecallF1(seqTrue, seqPred, { average: 'micro' }) as ReportRow;
    metrics.precision = row.precision;
    metrics.recall = row.recall;
    metrics.f1 = row.f1;
    metrics.accuracy = tokenAccuracy(seqTrue, seqPred);
  }
  return metrics;
}

/** Loads a classifier of the task (new head with `map`'s labels when given). */
export async function loadClassifier(
  task: Exclude<Task, 'causal-lm'>,
  model: string,
  map?: LabelMap,
): Promise<Classifier> {
  const options = map ? { numLabels: map.labels.length, id2label: map.id2label, label2id: map.label2id } : {};
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

/** `gptft eval --task sequence-classification|token-classification`. */
export async function evaluateClassifier(
  ctx: Context,
  opts: Record<string, unknown>,
): Promise<Record<string, number>> {
  const task = opts.task as Exclude<Task, 'causal-lm'>;
  const clf = await loadTrainedClassifier(task, opts.model as string, modelSources(opts));
  try {
    const { model, tokenizer, map } = clf;
    let records = await readClassificationRecords(opts.data as string[], task, {
      text: opts.textColumn as string,
      label: opts.labelColumn as string,
    });
    const max = opts.maxEvalSamples as number | undefined;
    if (max !== undefined) records = records.slice(0, max);
    const batches = classificationBatches(records, tokenizer, map, {
      maxLength: Math.min(model.config.nPositions, 256),
      batchSize: opts.perDeviceEvalBatchSize as number,
    });
    ctx.debug(`${records.length} examples`);
    return classifierMetrics(model, batches, map);
  } finally {
    clf.dispose();
  }
}
