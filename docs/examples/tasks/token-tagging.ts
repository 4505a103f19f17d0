// Token classification with GPT2ForTokenClassification, shared by the NER (WNUT 17) and
// part-of-speech (UD English EWT) tasks: align word tags to GPT-2 sub-tokens, train with the
// Trainer, predict one tag per word (its first sub-token) and hand back word-level sequences.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStats, tf } from '@gptft/backend';
import {
  type Batch,
  buildLabelMap,
  type Dataset,
  tokenClassificationCollator,
  tokenizeAndAlignLabels,
} from '@gptft/datasets';
import { GPT2ForTokenClassification, Linear } from '@gptft/heads';
import { type TrainableModel, Trainer } from '@gptft/trainer';
import { type BaseSettings, batchInputs, loadBackbone, loadTokenizer, rows, seconds } from './task-utils.js';

export interface TaggingSettings extends BaseSettings {
  maxLength: number;
  batchSize: number;
  epochs: number;
  maxSteps: number;
  learningRate: number;
  warmupRatio: number;
  weightDecay: number;
}

export interface TaggingRun {
  /** Gold and predicted tags per evaluation sentence, one per word. */
  references: string[][];
  predictions: string[][];
  labels: string[];
  trainLoss: number;
  steps: number;
  trainSeconds: number;
  model: string;
}

type Sentence = { tokens: string[]; tags: string[] };

export async function trainTagger(
  s: TaggingSettings,
  train: Dataset<Sentence>,
  evaluation: Dataset<Sentence>,
  log: (line: string) => void,
): Promise<TaggingRun> {
  // Label ids from the tags seen in the data, sorted as HF's run_ner does.
  const labelMap = buildLabelMap([...train.toArray(), ...evaluation.toArray()].map((r) => r.tags));
  const { tokenizer, eosId } = await loadTokenizer(s);
  // Each word is encoded as " word" (add_prefix_space); only its first sub-token carries the label.
  const align = (r: Sentence) =>
    tokenizeAndAlignLabels(tokenizer, r, { labels: labelMap, maxLength: s.maxLength });
  const collate = tokenClassificationCollator({ padTokenId: eosId });
  const trainBatches = [...train.map(align).batches(s.batchSize)].map((rows) => collate(rows));

  const { model: backbone, description } = await loadBackbone(s, {
    numLabels: labelMap.labels.length,
    id2label: labelMap.id2label,
    label2id: labelMap.label2id,
  });
  log(`model: ${description}; ${labelMap.labels.length} labels: ${labelMap.labels.join(' ')}`);
  const c = backbone.config;
  const classifier = new Linear(
    tf.randomNormal([c.numLabels, c.nEmbd], 0, c.initializerRange, 'float32', s.seed),
    tf.zeros([c.numLabels]),
  );
  const model = new GPT2ForTokenClassification(backbone, classifier);
  const trainable: TrainableModel<Batch> = {
    namedParameters: () => model.namedTrainableParameters(),
    computeLoss: (batch) =>
      tf.tidy(() => {
        const inputs = batchInputs(batch);
        return model.forward({ ...inputs, labels: rows(batch.labels, batch.shape) }).loss as tf.Scalar;
      }),
  };
  const checkpoints = await mkdtemp(join(tmpdir(), 'gptft-tagging-'));
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
      loggingSteps: 50,
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

  // Predict: argmax per token, read at each word's first sub-token (the positions labelled ≠ -100).
  model.eval();
  const references: string[][] = [];
  const predictions: string[][] = [];
  for (const sentences of evaluation.batches(32)) {
    const aligned = sentences.map(align);
    const batch = collate(aligned);
    const { logits } = model.forward(batchInputs(batch));
    const argmax = tf.argMax(logits, -1);
    const ids = await argmax.data();
    tf.dispose([logits, argmax]);
    const t = batch.shape[1];
    aligned.forEach((ex, b) => {
      const gold: string[] = [];
      const pred: string[] = [];
      ex.labels.forEach((label, i) => {
        if (label === -100) return;
        gold.push(labelMap.id2label[label]!);
        pred.push(labelMap.id2label[ids[b * t + i]!]!);
      });
      references.push(gold);
      predictions.push(pred);
    });
  }
  log(
    `trained ${globalStep} steps in ${trainSeconds} s; live tensors before dispose ${memoryStats().numTensors}`,
  );
  model.dispose();
  return {
    references,
    predictions,
    labels: labelMap.labels,
    trainLoss: trainingLoss,
    steps: globalStep,
    trainSeconds,
    model: description,
  };
}
