/** Option and result types of `GPT2Tokenizer`. */
import type { AddedTokenInput, AllowedSpecial } from './added-tokens.js';
import type { AssistantSpanOptions, ChatTemplateOptions } from './chat-template.js';

/**
 * Which BPE implementation encodes: `'bpe'` (this package's own, OpenAI's algorithm over the
 * folder's merges; the default, measured about 2x faster) or `'gpt-tokenizer'` (gpt-tokenizer's
 * r50k encoder; GPT-2's vocabulary only). Both give identical ids on GPT-2's vocabulary.
 */
export type Engine = 'bpe' | 'gpt-tokenizer';

/** Options of the tokenizer constructors. */
export interface TokenizerOptions {
  engine?: Engine;
}

/** Options of {@link GPT2Tokenizer.fromPretrained} (hub options as in `@gptft/hub`). */
export interface FromPretrainedOptions extends TokenizerOptions {
  revision?: string;
  cacheDir?: string;
  hubUrl?: string;
  accessToken?: string;
  localFilesOnly?: boolean;
}

/** Options of {@link GPT2Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Special tokens that may appear in the text as themselves. Default `'none'`: a `<|endoftext|>`
   * in the text is encoded as the plain characters `<`, `|`, … (HF `split_special_tokens=True`;
   * tiktoken `disallowed_special=()`). `'all'` matches every special token (HF's default
   * `split_special_tokens=False`; tiktoken `allowed_special="all"`); a set or list allows those
   * named. Non-special added tokens are always matched, as in HF.
   */
  allowedSpecial?: AllowedSpecial;
  /** Add bos/eos when the tokenizer's `addBosToken`/`addEosToken` say so (default true, as HF). */
  addSpecialTokens?: boolean;
}

/** One text's tokens with their offsets and word ids. */
export interface Encoding {
  ids: number[];
  /** `[start, end)` UTF-16 offsets into the text per token (see `offsets.ts` for split characters). */
  offsets: [number, number][];
  /** Pre-tokenization word (GPT-2 regex chunk) index per token; null for bos/eos. */
  wordIds: (number | null)[];
}

/** Options of {@link GPT2Tokenizer.call}. */
export interface CallOptions extends EncodeOptions {
  /** `true`/`'longest'`: pad to the longest row; `'max_length'`: to `maxLength`; default no padding. */
  padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
  /** Cut rows longer than `maxLength` (default: the tokenizer's `modelMaxLength`). */
  truncation?: boolean | 'longest_first' | 'only_first' | 'do_not_truncate';
  maxLength?: number;
  /** Round the padded length up to a multiple of this. */
  padToMultipleOf?: number;
  /** Default: the tokenizer's `paddingSide` (right unless its config says otherwise). */
  paddingSide?: 'left' | 'right';
  /** Default: the tokenizer's `truncationSide`. */
  truncationSide?: 'left' | 'right';
  /** Include `offsets` (HF `return_offsets_mapping`). */
  returnOffsets?: boolean;
  /** Leave spaces at a token's ends out of its offsets (HF `trim_offsets`; default false, as HF's GPT-2). */
  trimOffsets?: boolean;
  /** Include `wordIds` (always included with `isSplitIntoWords`). */
  returnWordIds?: boolean;
  /**
   * The input is pre-split words (`string[][]`, or one `string[]`): each word is tokenized on its
   * own, with a leading space except the first (also the first when `addPrefixSpace` is set, which
   * is what HF does — it requires `add_prefix_space=True` for this). Offsets are then relative to
   * each word and `wordIds` index the words.
   */
  isSplitIntoWords?: boolean;
}

/** HF-style names of the special tokens accepted by {@link GPT2Tokenizer.addSpecialTokens}. */
export interface SpecialTokensInput {
  bosToken?: AddedTokenInput;
  eosToken?: AddedTokenInput;
  unkToken?: AddedTokenInput;
  padToken?: AddedTokenInput;
  sepToken?: AddedTokenInput;
  clsToken?: AddedTokenInput;
  maskToken?: AddedTokenInput;
  additionalSpecialTokens?: AddedTokenInput[];
}

/** Options of {@link GPT2Tokenizer.applyChatTemplate} (HF `apply_chat_template`, camelCase). */
export interface ApplyChatTemplateOptions extends ChatTemplateOptions, AssistantSpanOptions {
  /** Return ids (default true, as HF); false returns the rendered text. */
  tokenize?: boolean;
  /** Return `{ inputIds, attentionMask }` instead of the ids (HF `return_dict`). */
  returnDict?: boolean;
  /** Also return `assistantMasks`: 1 for the tokens of assistant replies (HF `return_assistant_tokens_mask`). */
  returnAssistantTokensMask?: boolean;
  /** Cut the ids to `maxLength` (default: the tokenizer's `modelMaxLength`). */
  truncation?: boolean;
  maxLength?: number;
}

/** A tokenized conversation (HF's `BatchEncoding` of `apply_chat_template(…, return_dict=True)`). */
export interface ChatEncoding {
  inputIds: number[];
  attentionMask: number[];
  /** With `returnAssistantTokensMask`: 1 where the token belongs to an assistant reply. */
  assistantMasks?: number[];
}
