// Named-entity recognition on WNUT 17 (CC BY 4.0) with GPT2ForTokenClassification: train on the
// train split, report seqeval entity precision / recall / F1 on the dev split with @gptft/metrics.
//   nice npx tsx docs/examples/tasks/wnut17-ner.ts [--epochs 2 --learning-rate 0.002 ...]
import { resolve } from 'node:path';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { readFiles, tokensTagsRecord } from '@gptft/datasets';
import { entityPrecisionRecallF1, type ReportRow } from '@gptft/metrics';
import { BASE_DEFAULTS, dataDir, isMain, parseSettings, writeRecord } from './task-utils.js';
import { trainTagger } from './token-tagging.js';

export const WNUT17_DEFAULTS = {
  ...BASE_DEFAULTS,
  data: dataDir('wnut17'),
  trainSentences: 0, // of 3,394 (0 = all)
  evalSentences: 0, // of the 1,009 dev sentences (0 = all)
  maxLength: 128,
  batchSize: 16,
  epochs: 2,
  maxSteps: -1, // > 0 overrides epochs
  learningRate: 2e-3,
  warmupRatio: 0.06,
  weightDecay: 0.01,
};
export type Wnut17Settings = typeof WNUT17_DEFAULTS;

export interface Wnut17Result {
  precision: number;
  recall: number;
  f1: number;
  trainLoss: number;
  steps: number;
  trainSeconds: number;
}

export async function wnut17Ner(
  overrides: Partial<Wnut17Settings> = {},
  log: (line: string) => void = console.log,
): Promise<Wnut17Result> {
  const s = { ...WNUT17_DEFAULTS, ...overrides };
  writeRecord(s.out, 'settings.json', s);
  const active = await useBackend('auto');
  log(`backend: ${active.name} (${active.reason})`);

  // CoNLL files: one "word<TAB>tag" per line, sentences separated by blank lines; tags are IOB2.
  const read = (file: string) =>
    readFiles([resolve(s.data, file)], { format: 'conll', schema: tokensTagsRecord });
  let train = await read('wnut17train.conll');
  if (s.trainSentences > 0) train = train.take(s.trainSentences);
  let dev = await read('emerging.dev.conll');
  if (s.evalSentences > 0) dev = dev.take(s.evalSentences);
  log(`data: ${train.length} train sentences, ${dev.length} dev sentences`);

  const run = await trainTagger(
    s,
    train.map((r) => ({ tokens: r.tokens, tags: r.tags.map(String) })),
    dev.map((r) => ({ tokens: r.tokens, tags: r.tags.map(String) })),
    log,
  );
  // seqeval's default mode (conlleval-compatible chunking), micro-averaged over entity types.
  const scores = entityPrecisionRecallF1(run.references, run.predictions, {
    average: 'micro',
    zeroDivision: 0,
  }) as ReportRow;
  const result: Wnut17Result = {
    precision: scores.precision,
    recall: scores.recall,
    f1: scores.f1,
    trainLoss: run.trainLoss,
    steps: run.steps,
    trainSeconds: run.trainSeconds,
  };
  log(
    `dev: entity precision ${result.precision.toFixed(4)}, recall ${result.recall.toFixed(4)}, F1 ${result.f1.toFixed(4)} (${scores.support} entities)`,
  );
  writeRecord(s.out, 'metrics.json', { ...result, model: run.model, backend: active.name });
  return result;
}

if (isMain(import.meta.url)) {
  await wnut17Ner(parseSettings(WNUT17_DEFAULTS));
}
