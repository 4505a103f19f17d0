import type { GPT2LMHeadModel } from '@gptft/heads';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { streamGenerate } from './stream-generate.js';

/** Seeded sampled continuations of `prompts` (for "before vs after" in reports). */
export function sampleGenerations(
  model: GPT2LMHeadModel,
  tokenizer: GPT2Tokenizer,
  prompts: readonly string[],
  seed: number,
  maxNewTokens = 40,
): string[] {
  const wasTraining = model.training;
  model.eval();
  const eos = tokenizer.eosTokenId;
  const out = prompts.map((p) => {
    const { ids } = streamGenerate(model, tokenizer.encode(p), {
      maxNewTokens,
      doSample: true,
      temperature: 0.8,
      topK: 40,
      seed,
      ...(eos !== undefined && { stopIds: [eos] }),
    });
    return tokenizer.decode(ids);
  });
  if (wasTraining) model.train();
  return out;
}
