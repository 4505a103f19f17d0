// The @gptft/heads README example: language-model loss, generation (ids and text, stop strings,
// streaming with an abort signal), pipelines, and a classification head with its own labels.
//   npx tsx examples/quickstart.ts [outputDir]
// (In your own code import from '@gptft/heads' instead of '../src/index.js'.)
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import {
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  generate,
  generateStream,
  pipeline,
} from '../src/index.js';

// Small random-weight GPT-2 checkpoints with GPT-2's real tokenizer (use 'gpt2' for the real model).
const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));

export async function quickstart(outputDir: string) {
  await useBackend('wasm');
  const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
  const tokenizer = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);

  // Loss: mean shifted next-token cross-entropy, as transformers' GPT2LMHeadModel.
  const ids = tokenizer.encode('Hello, my name is'); // [15496, 11, 616, 1438, 318]
  const { loss, logits } = model.forward({ inputIds: [ids], labels: [ids] });
  const lossValue = loss!.dataSync()[0]!;
  loss!.dispose();
  logits.dispose();

  // Ids in, ids out: greedy with the KV cache (prompt + 10 new ids per row).
  const [greedy] = generate(model, [ids], { maxNewTokens: 10, eosTokenId: null });

  // Text in, text out: batched prompts are left-padded; stop strings may end inside a token.
  const results = generate(model, ['Hello, my name is', 'Once upon a time'], {
    tokenizer,
    maxNewTokens: 20,
    stopStrings: ['distrac'],
  });
  for (const r of results) console.log(JSON.stringify(r.text), r.finishReason);

  // Streaming: whole characters only; the signal stops generation (here after 10 s).
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  let streamed = '';
  for await (const piece of generateStream(model, 'Once upon a time', {
    tokenizer,
    maxNewTokens: 8,
    doSample: true,
    topK: 50,
    temperature: 0.8,
    seed: 1,
    signal: controller.signal,
  })) {
    streamed += piece;
    process.stdout.write(piece);
  }
  clearTimeout(timer);
  console.log();

  // Pipelines: text in, labelled results out.
  const generator = await pipeline('text-generation', model, tokenizer, { maxNewTokens: 5 });
  const generated = await generator('Hello, my name is'); // [{ generated_text }]
  const classify = await pipeline('text-classification', `${FIXTURES}seqcls`, tokenizer);
  const sentiment = await classify('I loved this movie!', { topK: null }); // [{ label, score }, …]
  const ner = await pipeline('token-classification', `${FIXTURES}tokcls`, tokenizer, {
    aggregationStrategy: 'simple',
  });
  const entities = await ner('John lives in New York'); // [{ entity_group, score, word, start, end }, …]
  console.log(generated, sentiment, entities);
  classify.dispose();
  ner.dispose();

  // A classification head with its own labels on a plain GPT-2 checkpoint, trained elsewhere
  // (see @gptft/trainer), saved in the layout transformers loads.
  const clf = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}gpt2-tiny`, {
    id2label: { 0: 'negative', 1: 'positive' },
  });
  console.log(clf.loadingInfo.newlyInitialized); // ['score.weight']
  const enc = tokenizer.call(['I loved this movie!', 'Terrible.'], { padding: true });
  const out = clf.forward({ inputIds: enc.inputIds, attentionMask: enc.attentionMask, labels: [1, 0] });
  const clfLoss = out.loss!.dataSync()[0]!;
  out.loss!.dispose();
  out.logits.dispose();
  await clf.savePretrained(join(outputDir, 'my-classifier')); // config.json + model.safetensors
  clf.dispose();
  model.dispose();
  return { lossValue, greedy, results, streamed, generated, sentiment, entities, clfLoss };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await quickstart(process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'gptft-heads-'))));
}
