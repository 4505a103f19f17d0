/** zod schemas of the HF tokenizer files (snake_case, as transformers writes them). */
import { z } from 'zod';

/** An `AddedToken` as serialized by transformers/tokenizers. */
export const addedTokenJson = z.looseObject({
  content: z.string().min(1),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  single_word: z.boolean().optional(),
  normalized: z.boolean().optional(),
  special: z.boolean().optional(),
});
export type AddedTokenJson = z.output<typeof addedTokenJson>;

/** A named special token: its text, or an AddedToken object; null means unset. */
export const specialTokenValue = z.union([z.string(), addedTokenJson]).nullable().optional();

const namedSpecialTokens = {
  bos_token: specialTokenValue,
  eos_token: specialTokenValue,
  unk_token: specialTokenValue,
  pad_token: specialTokenValue,
  sep_token: specialTokenValue,
  cls_token: specialTokenValue,
  mask_token: specialTokenValue,
  additional_special_tokens: z
    .array(z.union([z.string(), addedTokenJson]))
    .nullable()
    .optional(),
};

/** The named special-token keys of HF tokenizers. */
export const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'pad_token',
  'sep_token',
  'cls_token',
  'mask_token',
] as const;
export type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

/** `special_tokens_map.json`. */
export const specialTokensMapJson = z.looseObject(namedSpecialTokens);

/** `tokenizer_config.json` (other keys are kept as they are and written back). */
export const tokenizerConfigJson = z.looseObject({
  ...namedSpecialTokens,
  add_prefix_space: z.boolean().optional(),
  add_bos_token: z.boolean().optional(),
  add_eos_token: z.boolean().optional(),
  model_max_length: z.number().positive().optional(),
  clean_up_tokenization_spaces: z.boolean().optional(),
  padding_side: z.enum(['left', 'right']).optional(),
  truncation_side: z.enum(['left', 'right']).optional(),
  split_special_tokens: z.boolean().optional(),
  errors: z.string().optional(),
  tokenizer_class: z.string().optional(),
  chat_template: z
    .union([z.string(), z.array(z.looseObject({ name: z.string(), template: z.string() }))])
    .optional(),
  added_tokens_decoder: z
    .record(z.string().regex(/^\d+$/, 'expected an integer id'), addedTokenJson)
    .optional(),
});
export type TokenizerConfigJson = z.output<typeof tokenizerConfigJson>;

/** `added_tokens.json`: content → id. */
export const addedTokensJson = z.record(z.string(), z.number().int().nonnegative());

/** The parts of `tokenizer.json` (HF fast format) that a byte-level BPE needs. */
export const tokenizerJson = z.looseObject({
  added_tokens: z.array(addedTokenJson.extend({ id: z.number().int().nonnegative() })).optional(),
  pre_tokenizer: z
    .looseObject({ type: z.string(), add_prefix_space: z.boolean().optional() })
    .nullable()
    .optional(),
  model: z.looseObject({
    type: z.string().optional(),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
  }),
});
export type TokenizerJson = z.output<typeof tokenizerJson>;
