/** The complete, declarative state of a GPT-2 tokenizer: what its files hold. */
import type { AddedToken } from './added-tokens.js';
import type { Merge } from './bpe.js';

/** Named special tokens (contents), HF's `bos_token` … `additional_special_tokens`. */
export interface SpecialTokens {
  bos?: string;
  eos?: string;
  unk?: string;
  pad?: string;
  sep?: string;
  cls?: string;
  mask?: string;
  /** HF's `additional_special_tokens`. */
  additional: string[];
}

/** Behaviour settings from `tokenizer_config.json`. */
export interface TokenizerSettings {
  /** Prepend a space to the text before tokenizing (HF `add_prefix_space`, default false). */
  addPrefixSpace: boolean;
  /** Put the bos token in front of every encoded text (HF `add_bos_token`, default false). */
  addBosToken: boolean;
  /** Put the eos token after every encoded text (HF `add_eos_token`, default false). */
  addEosToken: boolean;
  /** Longest sequence the model takes (HF `model_max_length`; undefined = no limit). */
  modelMaxLength: number | undefined;
  /** HF `clean_up_tokenization_spaces` (default false: decode(encode(x)) === x). */
  cleanUpTokenizationSpaces: boolean;
  /** Default padding side (HF `padding_side`, default right). */
  paddingSide: 'left' | 'right';
  /** Default truncation side (HF `truncation_side`, default right). */
  truncationSide: 'left' | 'right';
  /** HF `chat_template`: one Jinja template, or named templates. */
  chatTemplate: string | { name: string; template: string }[] | undefined;
}

/** Everything a tokenizer is made of. */
export interface TokenizerData {
  /** BPE vocabulary: byte-level token string → id (GPT-2: includes `<|endoftext|>`). */
  vocab: ReadonlyMap<string, number>;
  /** Merge rules in rank order, or a function that computes them (GPT-2's are derived lazily). */
  merges: readonly Merge[] | (() => readonly Merge[]);
  /** Added tokens by id (special ones included: GPT-2's `<|endoftext|>` is one). */
  addedTokens: [number, AddedToken][];
  specialTokens: SpecialTokens;
  settings: TokenizerSettings;
  /** Other `tokenizer_config.json` keys, kept and written back unchanged. */
  extraConfig: Record<string, unknown>;
  /** True when the vocabulary and merges are known to be GPT-2's (r50k). */
  isGpt2?: boolean;
}

export const DEFAULT_SETTINGS: TokenizerSettings = {
  addPrefixSpace: false,
  addBosToken: false,
  addEosToken: false,
  modelMaxLength: undefined,
  cleanUpTokenizationSpaces: false,
  paddingSide: 'right',
  truncationSide: 'right',
  chatTemplate: undefined,
};
