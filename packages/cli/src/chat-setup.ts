import { resizeTokenEmbeddings } from '@gptft/heads';
import type { GPT2LMHeadModel } from '@gptft/heads';
import { type GPT2Tokenizer, setupChatFormat } from '@gptft/tokenizer';

/**
 * Gives a model without a chat template the ChatML format (TRL's `setup_chat_format`): the
 * `<|im_start|>`/`<|im_end|>` special tokens (kept if the vocabulary has them already), the
 * template, `<|im_end|>` as eos/pad, and embeddings resized when tokens were added. A tokenizer
 * with its own `chat_template` is left as it is. Returns the number of embeddings added.
 */
export function prepareChatFormat(model: GPT2LMHeadModel, tokenizer: GPT2Tokenizer): number {
  if (tokenizer.chatTemplate !== undefined) return 0;
  setupChatFormat(tokenizer);
  const before = model.config.vocabSize;
  if (tokenizer.vocabSize > before) resizeTokenEmbeddings(model, tokenizer.vocabSize);
  return model.config.vocabSize - before;
}

/** The id of a special token, if the tokenizer has it. */
export function specialTokenId(tokenizer: GPT2Tokenizer, token: string): number | undefined {
  const ids = tokenizer.encode(token, { allowedSpecial: 'all' });
  return ids.length === 1 && tokenizer.allSpecialIds.includes(ids[0]!) ? ids[0] : undefined;
}

/** Ids that end an assistant turn: eos, ChatML's end (and start) markers, `<|endoftext|>`. */
export function chatStopIds(tokenizer: GPT2Tokenizer): number[] {
  const ids = new Set<number>();
  if (tokenizer.eosTokenId !== undefined) ids.add(tokenizer.eosTokenId);
  for (const t of ['<|im_end|>', '<|im_start|>', '<|endoftext|>']) {
    const id = specialTokenId(tokenizer, t);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
