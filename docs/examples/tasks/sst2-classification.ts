// Sentiment classification on SST-2 with GPT2ForSequenceClassification: train on (a part of) the
// train split, report accuracy and F1 on the dev split with @gptft/metrics.
//   nice npx tsx docs/examples/tasks/sst2-classification.ts [--train-examples 8000 --epochs 1 ...]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '@gptft/backend-wasm';
import { memoryStats, tf, useBackend } from '@gptft/backend';
import { type Batch, readFiles, sequenceClassificationCollator, textLabelRecord } from '@gptft/datasets';
import { GPT2ForSequenceClassification } from '@gptft/heads';
import { accuracyScore, f1Score } from '@gptft/metrics';
import { type TrainableModel, Trainer } from '@gptft/trainer';
import {
  BASE_DEFAULTS,
  batchInputs,
  dataDir,
  isMain,
  loadBackbone,
  loadTokenizer,
  parseSettings,
  seconds,
  writeRecord,
} from './task-utils.js';

export const SST2_DEFAULTS = {
  ...BASE_DEFAULTS,
  data: dataDir('sst2'),
  trainExamples: 8000, // of 67,349 (0 = all)
  evalExamples: 0, // of the 872 dev sentences (0 = all)
  maxLength: 64,
  batchSize: 16,
  epochs: 1,
  maxSteps: -1, // > 0 overrides epochs
  learningRate: 1e-3,
  warmupRatio: 0.06,
  weightDecay: 0.01,
  saveTo: '', // a folder for the fine-tuned classifier (HF layout); empty: not saved
};
export type Sst2Settings = typeof SST2_DEFAULTS;

export interface Sst2Result {
  accuracy: number;
  f1: number;
  trainLoss: number;
  steps: number;
  trainSeconds: number;
}

export async function sst2Classification(
  overrides: Partial<Sst2Settings> = {},
  log: (line: string) => void = console.log,
): Promise<Sst2Result> {
  const s = { ...SST2_DEFAULTS, ...overrides };
  writeRecord(s.out, 'settings.json', s);
  const active = await useBackend('auto');
  log(`backend: ${active.name} (${active.reason})`);

  // 1. Data: TSV files with a header (train: label, sentence; dev: label, content).
  const read = (file: string, textColumn: string) =>
    readFiles([resolve(s.data, file)], {
      columns: { text: textColumn, label: 'label' },
      columnTypes: { label: 'int' },
      schema: textLabelRecord,
    });
  let train = (await read('train.tsv', 'sentence')).shuffle({ seed: s.seed });
  if (s.trainExamples > 0) train = train.take(s.trainExamples);
  let dev = await read('dev.tsv', 'content');
  if (s.evalExamples > 0) dev = dev.take(s.evalExamples);
  log(`data: ${train.length} train sentences, ${dev.length} dev sentences`);

  // 2. Tokenize (the base model's BPE) and collate; GPT-2 has no pad token: pad with <|endoftext|>.
  const { tokenizer, eosId } = await loadTokenizer(s);
  const encode = (r: { text: string; label: number | string }) => ({
    inputIds: tokenizer.encode(r.text).slice(0, s.maxLength),
    label: r.label,
  });
  const collate = sequenceClassificationCollator({ padTokenId: eosId });
  const trainBatches = [...train.map(encode).batches(s.batchSize)].map((rows) => collate(rows));
  const devBatches = [...dev.map(encode).batches(32)].map((rows) => collate(rows));

  // 3. Model: the base backbone with a 2-way score head (pooled at each row's last real token).
  const { model: backbone, description } = await loadBackbone(s, {
    numLabels: 2,
    id2label: { 0: 'negative', 1: 'positive' },
    label2id: { negative: 0, positive: 1 },
    padTokenId: eosId,
  });
  log(`model: ${description}`);
  const model = new GPT2ForSequenceClassification(backbone);
  const trainable: TrainableModel<Batch> = {
    namedParameters: () => model.namedTrainableParameters(),
    computeLoss: (batch) =>
      tf.tidy(
        () => model.forward({ ...batchInputs(batch), labels: Array.from(batch.labels) }).loss as tf.Scalar,
      ),
  };

  // 4. Train.
  const checkpoints = await mkdtemp(join(tmpdir(), 'gptft-sst2-'));
  const trainer = new Trainer({
    model: trainable,
    trainData: trainBatches,
    args: {
      outputDir: checkpoints, // trainer checkpoints (model + optimizer state): a temporary folder
      numTrainEpochs: s.epochs,
      maxSteps: s.maxSteps,
      learningRate: s.learningRate,
      warmupRatio: s.warmupRatio,
      weightDecay: s.weightDecay,
      loggingSteps: 50,
      saveStrategy: 'no', // no checkpoints: the example evaluates the model in memory
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

  // 5. Evaluate on dev: argmax of the logits, then accuracy and F1 of the positive class.
  model.eval();
  const predictions: number[] = [];
  const references: number[] = [];
  for (const batch of devBatches) {
    const { logits } = model.forward(batchInputs(batch));
    const argmax = tf.argMax(logits, -1);
    predictions.push(...(await argmax.data()));
    references.push(...batch.labels);
    tf.dispose([logits, argmax]);
  }
  const result: Sst2Result = {
    accuracy: accuracyScore(references, predictions),
    f1: f1Score(references, predictions, { average: 'binary', posLabel: 1 }),
    trainLoss: trainingLoss,
    steps: globalStep,
    trainSeconds,
  };
  log(
    `dev: accuracy ${result.accuracy.toFixed(4)}, F1 ${result.f1.toFixed(4)} (${references.length} sentences); ${globalStep} steps in ${trainSeconds} s; live tensors ${memoryStats().numTensors}`,
  );
  writeRecord(s.out, 'metrics.json', { ...result, model: description, backend: active.name });
  if (s.saveTo) await model.savePretrained(s.saveTo); // config.json (id2label, …) + model.safetensors
  model.dispose();
  return result;
}

if (isMain(import.meta.url)) {
  await sst2Classification(parseSettings(SST2_DEFAULTS));
}
