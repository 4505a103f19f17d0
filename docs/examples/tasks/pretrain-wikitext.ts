// Pretraining a small GPT-2 from scratch on WikiText-2 (CC BY-SA 3.0): train on the validation
// file's text packed into fixed blocks, report perplexity on held-out test blocks.
// (The shared copy has no train file; with the full train split the same code scales up.)
//   nice npx tsx docs/examples/tasks/pretrain-wikitext.ts [--max-steps 150 --block-size 64 ...]
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '@gptft/backend-wasm';
import { memoryStats, tf, useBackend } from '@gptft/backend';
import { type Batch, causalLMCollator, packExamples } from '@gptft/datasets';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { GPT2LMHeadModel, generate } from '@gptft/heads';
import { perplexityFromNll } from '@gptft/metrics';
import { GPT2_EOS_ID, GPT2Tokenizer } from '@gptft/tokenizer';
import { type TrainableModel, Trainer } from '@gptft/trainer';
import { batchInputs, dataDir, isMain, parseSettings, rows, seconds, writeRecord } from './task-utils.js';

export const PRETRAIN_DEFAULTS = {
  data: dataDir('wikitext-2'),
  trainChars: 0, // characters of valid.txt to train on (0 = all, ~1.1 MB)
  evalBlocks: 32, // held-out blocks of test.txt for perplexity
  layers: 2,
  heads: 4,
  embd: 128,
  blockSize: 64,
  batchSize: 4,
  maxSteps: 150,
  learningRate: 2e-3,
  warmupSteps: 10,
  weightDecay: 0.1,
  lrSchedulerType: 'cosine',
  seed: 42,
  out: '',
};
export type PretrainSettings = typeof PRETRAIN_DEFAULTS;

export interface PretrainResult {
  perplexity: number;
  initialPerplexity: number;
  evalTokens: number;
  trainLoss: number;
  steps: number;
  trainSeconds: number;
  sample: string;
}

export async function pretrainWikitext(
  overrides: Partial<PretrainSettings> = {},
  log: (line: string) => void = console.log,
): Promise<PretrainResult> {
  const s = { ...PRETRAIN_DEFAULTS, ...overrides };
  writeRecord(s.out, 'settings.json', s);
  const active = await useBackend('auto');
  log(`backend: ${active.name} (${active.reason})`);

  // Documents are WikiText articles (" = Title = " lines start them); pack them into blocks of
  // blockSize tokens with <|endoftext|> between documents, as HF run_clm's group_texts does.
  const tokenizer = GPT2Tokenizer.gpt2();
  const articles = (text: string) =>
    text
      .split(/\n(?= = [^=])/)
      .map((a) => a.trim())
      .filter((a) => a.length > 0)
      .map((a) => ({ inputIds: tokenizer.encode(a) }));
  let trainText = await readFile(resolve(s.data, 'valid.txt'), 'utf8');
  if (s.trainChars > 0) trainText = trainText.slice(0, s.trainChars);
  const pack = { blockSize: s.blockSize, eosTokenId: GPT2_EOS_ID, isolateDocuments: false };
  const trainBlocks = [...packExamples(articles(trainText), pack)];
  const testText = await readFile(resolve(s.data, 'test.txt'), 'utf8');
  // The test file's first articles, about enough characters for evalBlocks blocks.
  const evalText = testText.slice(0, s.evalBlocks * s.blockSize * 8);
  const evalBlocks = [...packExamples(articles(evalText), pack)].slice(0, s.evalBlocks);
  const collate = causalLMCollator({ padTokenId: GPT2_EOS_ID });
  const batchesOf = (blocks: typeof trainBlocks) => {
    const out: Batch[] = [];
    for (let i = 0; i < blocks.length; i += s.batchSize) out.push(collate(blocks.slice(i, i + s.batchSize)));
    return out;
  };
  const trainBatches = batchesOf(trainBlocks);
  const evalBatches = batchesOf(evalBlocks);
  log(
    `data: ${trainBlocks.length} training blocks of ${s.blockSize} tokens (${trainBlocks.length * s.blockSize} tokens), ${evalBlocks.length} test blocks`,
  );

  // A new GPT-2: GPT-2's vocabulary (50,257) with a small body.
  const config = new GPT2Config({
    nLayer: s.layers,
    nHead: s.heads,
    nEmbd: s.embd,
    nPositions: Math.max(s.blockSize, 128),
    eosTokenId: GPT2_EOS_ID,
    bosTokenId: GPT2_EOS_ID,
  });
  const model = new GPT2LMHeadModel(new GPT2Model(config, { seed: s.seed }));
  log(
    `model: ${config.nLayer} layers, ${config.nHead} heads, width ${config.nEmbd}, ${model.numParameters().toLocaleString('en-US')} parameters (from scratch)`,
  );

  // Perplexity = exp(sum of token NLLs / number of predicted tokens) over the test blocks.
  const evaluate = async (): Promise<{ ppl: number; tokens: number }> => {
    model.eval();
    let sumNll = 0;
    let tokens = 0;
    for (const batch of evalBatches) {
      const labels = rows(batch.labels, batch.labelsShape);
      const predicted = labels.reduce((n, r) => n + r.slice(1).filter((l) => l !== -100).length, 0);
      const { loss, logits } = model.forward({ ...batchInputs(batch), labels });
      sumNll += (await loss!.data())[0]! * predicted; // loss is the mean over predicted tokens
      tokens += predicted;
      tf.dispose([loss!, logits]);
    }
    return { ppl: perplexityFromNll(sumNll, tokens), tokens };
  };
  const initial = await evaluate();
  log(`test perplexity before training: ${initial.ppl.toFixed(1)} (vocabulary 50,257)`);

  const trainable: TrainableModel<Batch> = {
    namedParameters: () => model.namedTrainableParameters(),
    computeLoss: (batch) =>
      tf.tidy(
        () =>
          model.forward({ ...batchInputs(batch), labels: rows(batch.labels, batch.labelsShape) })
            .loss as tf.Scalar,
      ),
  };
  const checkpoints = await mkdtemp(join(tmpdir(), 'gptft-pretrain-'));
  const trainer = new Trainer({
    model: trainable,
    trainData: trainBatches,
    args: {
      outputDir: checkpoints,
      maxSteps: s.maxSteps,
      learningRate: s.learningRate,
      warmupSteps: s.warmupSteps,
      lrSchedulerType: s.lrSchedulerType as 'cosine',
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

  const final = await evaluate();
  const prompt = tokenizer.encode(' = Robert Boulter = \n\n Robert Boulter is an English');
  const [ids] = generate(model, [prompt], {
    maxNewTokens: 30,
    eosTokenId: GPT2_EOS_ID,
    padTokenId: GPT2_EOS_ID,
  });
  const sample = tokenizer.decode(ids!);
  log(`sample (greedy): ${JSON.stringify(sample)}`);
  log(
    `test perplexity after ${globalStep} steps: ${final.ppl.toFixed(1)} over ${final.tokens} tokens (${trainSeconds} s of training); live tensors ${memoryStats().numTensors}`,
  );
  const result: PretrainResult = {
    perplexity: final.ppl,
    initialPerplexity: initial.ppl,
    evalTokens: final.tokens,
    trainLoss: trainingLoss,
    steps: globalStep,
    trainSeconds,
    sample,
  };
  writeRecord(s.out, 'metrics.json', { ...result, backend: active.name });
  model.dispose();
  return result;
}

if (isMain(import.meta.url)) {
  await pretrainWikitext(parseSettings(PRETRAIN_DEFAULTS));
}
