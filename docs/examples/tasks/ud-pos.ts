// Part-of-speech tagging (UPOS) on UD English EWT (CC BY-SA 4.0) with GPT2ForTokenClassification:
// train on (a part of) the train split, report tag accuracy on the dev split with @gptft/metrics.
//   nice npx tsx docs/examples/tasks/ud-pos.ts [--train-sentences 3000 --epochs 1 ...]
import { resolve } from 'node:path';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { readFiles, tokensTagsRecord } from '@gptft/datasets';
import { tokenAccuracy } from '@gptft/metrics';
import { BASE_DEFAULTS, dataDir, isMain, parseSettings, writeRecord } from './task-utils.js';
import { trainTagger } from './token-tagging.js';

export const UD_POS_DEFAULTS = {
  ...BASE_DEFAULTS,
  data: dataDir('ud-english-ewt'),
  trainSentences: 3000, // of 12,544, after a seeded shuffle (0 = all)
  evalSentences: 0, // of the 2,001 dev sentences (0 = all)
  maxLength: 128,
  batchSize: 16,
  epochs: 1,
  maxSteps: -1, // > 0 overrides epochs
  learningRate: 1e-3,
  warmupRatio: 0.06,
  weightDecay: 0.01,
};
export type UdPosSettings = typeof UD_POS_DEFAULTS;

export interface UdPosResult {
  accuracy: number;
  words: number;
  trainLoss: number;
  steps: number;
  trainSeconds: number;
}

export async function udPos(
  overrides: Partial<UdPosSettings> = {},
  log: (line: string) => void = console.log,
): Promise<UdPosResult> {
  const s = { ...UD_POS_DEFAULTS, ...overrides };
  writeRecord(s.out, 'settings.json', s);
  const active = await useBackend('auto');
  log(`backend: ${active.name} (${active.reason})`);

  // CoNLL-U: the reader keeps syntactic words (FORM) and their UPOS tags, skipping multiword ranges.
  const read = (file: string) =>
    readFiles([resolve(s.data, file)], { format: 'conllu', schema: tokensTagsRecord });
  let train = (await read('en_ewt-ud-train.conllu')).shuffle({ seed: s.seed });
  if (s.trainSentences > 0) train = train.take(s.trainSentences);
  let dev = await read('en_ewt-ud-dev.conllu');
  if (s.evalSentences > 0) dev = dev.take(s.evalSentences);
  log(`data: ${train.length} train sentences, ${dev.length} dev sentences`);

  const run = await trainTagger(
    s,
    train.map((r) => ({ tokens: r.tokens, tags: r.tags.map(String) })),
    dev.map((r) => ({ tokens: r.tokens, tags: r.tags.map(String) })),
    log,
  );
  const result: UdPosResult = {
    accuracy: tokenAccuracy(run.references, run.predictions),
    words: run.references.reduce((n, r) => n + r.length, 0),
    trainLoss: run.trainLoss,
    steps: run.steps,
    trainSeconds: run.trainSeconds,
  };
  log(`dev: UPOS accuracy ${result.accuracy.toFixed(4)} (${result.words} words)`);
  writeRecord(s.out, 'metrics.json', { ...result, model: run.model, backend: active.name });
  return result;
}

if (isMain(import.meta.url)) {
  await udPos(parseSettings(UD_POS_DEFAULTS));
}
