/** Giving a tokenizer without a chat format (GPT-2) the ChatML format, as TRL's `setup_chat_format`. */
import { CHATML_END, CHATML_START, CHATML_TEMPLATE } from './chat-template.js';
import type { TokenizerVocabulary } from './vocabulary.js';

/** Options of {@link setupChatFormat}. */
export interface SetupChatFormatOptions {
  /** Only ChatML for now (TRL's only format too). */
  format?: 'chatml';
  /**
   * Make `<|im_end|>` the eos and pad token and `<|im_start|>` the bos token, as TRL does (default
   * true). Generation then stops at the end of the assistant's turn. With false, only the two
   * tokens and the template are added and GPT-2's `<|endoftext|>` stays eos.
   */
  setSpecialTokens?: boolean;
  /**
   * Replace a chat template the tokenizer already has (default false: that is an error, as in TRL,
   * because the model was trained on its own format).
   */
  overwrite?: boolean;
}

/**
 * Sets up ChatML: adds `<|im_start|>` and `<|im_end|>` as special tokens, sets the ChatML chat
 * template (kept in `tokenizer_config.json` by `savePretrained`) and, by default, makes
 * `<|im_end|>` the eos and pad token and `<|im_start|>` the bos token (TRL `setup_chat_format`).
 * Returns how many new token ids were created: resize the model's embeddings to
 * `tokenizer.vocabSize` afterwards (`resizeTokenEmbeddings` in `@gptft/heads`).
 */
export function setupChatFormat(
  tokenizer: TokenizerVocabulary,
  options: SetupChatFormatOptions = {},
): number {
  const format = options.format ?? 'chatml';
  if (format !== 'chatml') throw new Error(`setupChatFormat: unknown format ${JSON.stringify(format)}`);
  if (tokenizer.chatTemplate !== undefined && !options.overwrite) {
    throw new Error(
      'setupChatFormat: the tokenizer already has a chat template; pass { overwrite: true } to replace it',
    );
  }
  const added = tokenizer.addSpecialTokens(
    {
      additionalSpecialTokens: [CHATML_START, CHATML_END],
      ...(options.setSpecialTokens === false
        ? {}
        : { bosToken: CHATML_START, eosToken: CHATML_END, padToken: CHATML_END }),
    },
    false,
  );
  tokenizer.chatTemplate = CHATML_TEMPLATE;
  return added;
}

/** What {@link chatStopIds} needs of a tokenizer. */
interface StopIdSource {
  readonly eosTokenId: number | undefined;
  readonly allSpecialIds: number[];
  encode(text: string, options: { allowedSpecial: 'all' }): number[];
}

/** The id of a special token, if the tokenizer has it. */
export function specialTokenId(tokenizer: StopIdSource, token: string): number | undefined {
  const ids = tokenizer.encode(token, { allowedSpecial: 'all' });
  return ids.length === 1 && tokenizer.allSpecialIds.includes(ids[0]!) ? ids[0] : undefined;
}

/**
 * Ids that end an assistant turn: eos, ChatML's end (and start) markers, `<|endoftext|>` — those
 * the tokenizer has. `gptft chat` and `@gptft/serve`'s chat completions stop at them.
 */
export function chatStopIds(tokenizer: StopIdSource): number[] {
  const ids = new Set<number>();
  if (tokenizer.eosTokenId !== undefined) ids.add(tokenizer.eosTokenId);
  for (const t of [CHATML_END, CHATML_START, '<|endoftext|>']) {
    const id = specialTokenId(tokenizer, t);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
