// Pipelines (text in, labelled results out, transformers' result keys) and streaming generation.
// The fixture checkpoints have random weights: the labels are real, the predictions are not.
//   npx tsx examples/pipelines.ts
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { GPT2LMHeadModel, generateStream, pipeline } from '@gptft/heads';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { TINY_GPT2 } from './fixture.js';

const FIXTURES = `${TINY_GPT2}/..`;

export async function pipelinesTour() {
  await useBackend('wasm');
  const model = await GPT2LMHeadModel.fromPretrained(TINY_GPT2);
  const tokenizer = await GPT2Tokenizer.fromPretrained(TINY_GPT2);

  // transformers: pipeline("text-generation", model=…)("Hello, my name is", max_new_tokens=5)
  const generator = await pipeline('text-generation', model, tokenizer, { maxNewTokens: 5 });
  const generated = await generator('Hello, my name is'); // [{ generated_text }]

  // Streaming: whole characters only; an AbortSignal can stop it.
  let streamed = '';
  for await (const piece of generateStream(model, 'Once upon a time', { tokenizer, maxNewTokens: 8 })) {
    streamed += piece;
    process.stdout.write(piece);
  }
  process.stdout.write('\n');

  // Classification and NER pipelines from checkpoint folders (labels from config.json's id2label).
  const classify = await pipeline('text-classification', `${FIXTURES}/seqcls`, tokenizer);
  const sentiment = await classify('I loved this movie!', { topK: null }); // every label, best first
  const ner = await pipeline('token-classification', `${FIXTURES}/tokcls`, tokenizer, {
    aggregationStrategy: 'simple',
  });
  const entities = await ner('John lives in New York'); // [{ entity_group, score, word, start, end }]
  console.log(generated, sentiment, entities);
  classify.dispose();
  ner.dispose();
  model.dispose();
  return { generated, streamed, sentiment, entities };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await pipelinesTour();
}
