// Load a Hugging Face GPT-2 folder (or a hub id such as 'gpt2'), tokenize, generate greedily and
// with seeded sampling, decode, and save the model back in transformers' layout.
//   npx tsx examples/load-and-generate.ts [folder-or-repo-id] [save-dir]
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { GPT2LMHeadModel, generate } from '@gptft/heads';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { TINY_GPT2 } from './fixture.js';

export async function loadAndGenerate(source = TINY_GPT2, saveTo?: string) {
  await useBackend('wasm'); // or 'auto': the best installed backend
  const tokenizer = await GPT2Tokenizer.fromPretrained(source); // vocab.json + merges.txt (+ added tokens)
  const model = await GPT2LMHeadModel.fromPretrained(source); // config.json + model.safetensors, eval mode

  const prompt = tokenizer.encode('Hello, my name is'); // [15496, 11, 616, 1438, 318]
  const [greedy] = generate(model, [prompt], { maxNewTokens: 10 }); // KV-cached greedy decoding
  const [sampled] = generate(model, [prompt], { maxNewTokens: 10, doSample: true, topP: 0.9, seed: 1 });
  console.log('greedy :', JSON.stringify(tokenizer.decode(greedy!)));
  console.log('sampled:', JSON.stringify(tokenizer.decode(sampled!)));

  if (saveTo) {
    await model.savePretrained(saveTo); // config.json + model.safetensors (transformers loads it)
    await tokenizer.savePretrained(saveTo); // vocab.json, merges.txt, tokenizer_config.json, …
  }
  model.dispose();
  return { prompt, greedy: greedy!, sampled: sampled! };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await loadAndGenerate(process.argv[2], process.argv[3]);
}
