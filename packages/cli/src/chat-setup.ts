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

// One definition of the stop ids, shared with @gptft/serve's chat completions.
export { chatStopIds, specialTokenId } from '@gptft/tokenizer';
