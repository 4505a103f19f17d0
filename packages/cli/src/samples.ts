import type { GPT2LMHeadModel } from '@gptft/heads';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { generateReply } from './generate-reply.js';

/** Seeded sampled continuations of `prompts` (for "before vs after" in reports). */
export async function sampleGenerations(
  model: GPT2LMHeadModel,
  tokenizer: GPT2Tokenizer,
  prompts: readonly string[],
  seed: number,
  maxNewTokens = 40,
): Promise<string[]> {
  const wasTraining = model.training;
  model.eval();
  const eos = tokenizer.eosTokenId;
  const out: string[] = [];
  for (const p of prompts) {
    const { ids } = await generateReply(model, tokenizer, tokenizer.encode(p), {
      maxNewTokens,
      doSample: true,
      temperature: 0.8,
      topK: 40,
      seed,
      ...(eos !== undefined && { stopIds: [eos] }),
    });
    out.push(tokenizer.decode(ids));
  }
  if (wasTraining) model.train();
  return out;
}
