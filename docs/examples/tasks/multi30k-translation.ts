// German → English translation as causal-LM fine-tuning on Multi30k (non-commercial licence: for
// docs and tests only, never bundled into a published package). Each pair becomes one text,
// "German: …\nEnglish: … <|endoftext|>", with the loss on the English part only (prompt labels
// -100). Evaluation: greedy decoding of the test_2016_flickr sentences, corpus BLEU (sacreBLEU 13a).
//   nice npx tsx docs/examples/tasks/multi30k-translation.ts [--max-steps 120 --eval-sentences 100 ...]
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '@gptft/backend-wasm';
import { memoryStats, tf, useBackend } from '@gptft/backend';
import { type Batch, causalLMCollator } from '@gptft/datasets';
import { GPT2LMHeadModel, generate } from '@gptft/heads';
import { corpusBleu } from '@gptft/metrics';
import { type TrainableModel, Trainer } from '@gptft/trainer';
import {
  BASE_DEFAULTS,
  batchInputs,
  dataDir,
  isMain,
  loadBackbone,
  loadTokenizer,
  parseSettings,
  rows,
  seconds,
  writeRecord,
} from './task-utils.js';

export const MULTI30K_DEFAULTS = {
  ...BASE_DEFAULTS,
  data: dataDir('multi30k'),
  trainPairs: 0, // of the 1,014 val pairs used for training (0 = all)
  evalSentences: 100, // of the 1,000 test_2016_flickr sentences
  maxLength: 64,
  maxNewTokens: 32,
  batchSize: 8,
  epochs: 1,
  maxSteps: 120, // > 0 overrides epochs (-1: use epochs)
  learningRate: 1e-3,
  warmupRatio: 0.06,
  weightDecay: 0.01,
};
export type Multi30kSettings = typeof MULTI30K_DEFAULTS;

export interface Multi30kResult {
  bleu: number;
  trainLoss: number;
  steps: number;
  trainSeconds: number;
  samples: { source: string; reference: string; hypothesis: string }[];
}

/** The prompt the model continues with the English sentence. */
export const prompt = (german: string) => `German: ${german}\nEnglish:`;

export async function multi30kTranslation(
  overrides: Partial<Multi30kSettings> = {},
  log: (line: string) => void = console.log,
): Promise<Multi30kResult> {
  const s = { ...MULTI30K_DEFAULTS, ...overrides };
  writeRecord(s.out, 'settings.json', s);
  const active = await useBackend('auto');
  log(`backend: ${active.name} (${active.reason})`);

  const lines = async (file: string) =>
    (await readFile(resolve(s.data, file), 'utf8')).split('\n').filter((l) => l.length > 0);
  const [trainDe, trainEn, testDe, testEn] = await Promise.all(
    ['val.de', 'val.en', 'test_2016_flickr.de', 'test_2016_flickr.en'].map(lines),
  );
  const nTrain = s.trainPairs > 0 ? s.trainPairs : trainDe!.length;
  log(`data: ${nTrain} training pairs (val), ${s.evalSentences} test sentences (test_2016_flickr)`);

  // Tokenize: prompt tokens get label -100, so the loss covers " English sentence<|endoftext|>".
  const { tokenizer, eosId } = await loadTokenizer(s);
  const examples = Array.from({ length: nTrain }, (_, i) => {
    const source = tokenizer.encode(prompt(trainDe![i]!));
    const target = [...tokenizer.encode(` ${trainEn![i]!}`), eosId];
    const inputIds = [...source, ...target].slice(0, s.maxLength);
    const labels = [...source.map(() => -100), ...target].slice(0, s.maxLength);
    return { inputIds, labels };
  });
  const collate = causalLMCollator({ padTokenId: eosId });
  const trainBatches: Batch[] = [];
  for (let i = 0; i < examples.length; i += s.batchSize)
    trainBatches.push(collate(examples.slice(i, i + s.batchSize)));

  const { model: backbone, description } = await loadBackbone(s, { eosTokenId: eosId });
  log(`model: ${description}`);
  const model = new GPT2LMHeadModel(backbone); // LM head tied to the token embeddings
  const trainable: TrainableModel<Batch> = {
    namedParameters: () => model.namedTrainableParameters(),
    computeLoss: (batch) =>
      tf.tidy(() => {
        const out = model.forward({ ...batchInputs(batch), labels: rows(batch.labels, batch.labelsShape) });
        return out.loss as tf.Scalar;
      }),
  };
  const checkpoints = await mkdtemp(join(tmpdir(), 'gptft-multi30k-'));
  const trainer = new Trainer({
    model: trainable,
    trainData: trainBatches,
    args: {
      outputDir: checkpoints,
      numTrainEpochs: s.epochs,
      maxSteps: s.maxSteps,
      learningRate: s.learningRate,
      warmupRatio: s.warmupRatio,
      weightDecay: s.weightDecay,
      loggingSteps: 10,
      saveStrategy: 'no',
      seed: s.seed,
    },
    callbacks: { onLog: (e) => log(JSON.stringify(e)) },
  });
  const start = performance.now();
  model.train();
  const { trainingLoss, globalStep } = await trainer.train();
  const trainSeconds = seconds(start);
  trainer.optimizer.dispose();
  await rm(checkpoints, { recursive: true, force: true });

  // Translate the test sentences: left-padded batches, greedy decoding until <|endoftext|>.
  model.eval();
  const hypotheses: string[] = [];
  const left = causalLMCollator({ padTokenId: eosId, paddingSide: 'left' });
  for (let i = 0; i < s.evalSentences; i += 16) {
    const sources = testDe!.slice(i, Math.min(i + 16, s.evalSentences));
    const batch = left(sources.map((de) => ({ inputIds: tokenizer.encode(prompt(de)) })));
    const { inputIds, attentionMask } = batchInputs(batch);
    const out = generate(model, inputIds, {
      attentionMask,
      maxNewTokens: s.maxNewTokens,
      eosTokenId: eosId,
      padTokenId: eosId,
    });
    for (const row of out) {
      const fresh = row.slice(batch.shape[1]);
      const end = fresh.indexOf(eosId);
      hypotheses.push(
        tokenizer
          .decode(end < 0 ? fresh : fresh.slice(0, end))
          .split('\n')[0]!
          .trim(),
      );
    }
  }
  const references = testEn!.slice(0, s.evalSentences);
  const bleu = corpusBleu(hypotheses, [references]);
  const samples = [0, 1, 2].map((k) => ({
    source: testDe![k]!,
    reference: references[k]!,
    hypothesis: hypotheses[k]!,
  }));
  for (const x of samples) log(`  de: ${x.source}\n  en: ${x.reference}\n  →   ${x.hypothesis}`);
  log(
    `test_2016_flickr: BLEU ${bleu.score.toFixed(2)} (${hypotheses.length} sentences; precisions ${bleu.precisions.map((p) => p.toFixed(1)).join('/')}, BP ${bleu.bp.toFixed(3)}); live tensors ${memoryStats().numTensors}`,
  );
  const result: Multi30kResult = {
    bleu: bleu.score,
    trainLoss: trainingLoss,
    steps: globalStep,
    trainSeconds,
    samples,
  };
  writeRecord(s.out, 'metrics.json', { ...result, model: description, backend: active.name });
  model.dispose();
  return result;
}

if (isMain(import.meta.url)) {
  await multi30kTranslation(parseSettings(MULTI30K_DEFAULTS));
}
