import { alignLabelsWithTokens as alignWordLabels } from '@gptft/tokenizer';
import { IGNORE_INDEX } from './collators/batch.js';
import type { LabelMap } from './labels.js';
import { beginToInsideIds } from './labels.js';

/**
 * The little a tokenizer must offer this package (structural, so `@gptft/tokenizer` or any other
 * tokenizer fits without a dependency).
 */
export interface TokenizerLike {
  /** Text → token ids, without special tokens. */
  encode(text: string): number[];
  readonly eosTokenId?: number | null;
  readonly padTokenId?: number | null;
}

/** Token ids of pre-split words and, per token, the index of its word. */
export interface WordTokens {
  inputIds: number[];
  /** Word index of each token (`null` for tokens outside any word, e.g. added special tokens). */
  wordIds: (number | null)[];
}

/**
 * Tokenizes pre-split words (HF `is_split_into_words=True`): each word is encoded on its own and
 * the ids are concatenated, so every token belongs to exactly one word. With `addPrefixSpace`
 * (default true, which GPT-2's fast tokenizer requires for pre-split input) every word is encoded
 * with a leading space (`" word"`), as HF's byte-level pre-tokenizer does; with false the first
 * word has none.
 */
export function tokenizeWords(
  tokenizer: TokenizerLike,
  words: readonly string[],
  options: { addPrefixSpace?: boolean } = {},
): WordTokens {
  const prefix = options.addPrefixSpace ?? true;
  const inputIds: number[] = [];
  const wordIds: (number | null)[] = [];
  words.forEach((word, w) => {
    const ids = tokenizer.encode(prefix || w > 0 ? ` ${word}` : word);
    for (const id of ids) {
      inputIds.push(id);
      wordIds.push(w);
    }
  });
  return { inputIds, wordIds };
}

/** Options of {@link alignLabelsWithTokens}. */
export interface AlignOptions {
  /**
   * Label every sub-token, not only the first of each word (HF `label_all_tokens`, default false).
   * Later sub-tokens then get `beginToInside[label]` (B-X → I-X) when that table is given.
   */
  labelAllTokens?: boolean;
  /** See {@link beginToInsideIds}. */
  beginToInside?: readonly number[];
}

/**
 * Word labels → token labels, as HF's `run_ner` `tokenize_and_align_labels`: the first sub-token
 * of each word gets the word's label; later sub-tokens of the same word and tokens outside words
 * (`wordIds[t] === null`, special tokens) get -100.
 */
export function alignLabelsWithTokens(
  wordIds: readonly (number | null)[],
  wordLabels: readonly number[],
  options: AlignOptions = {},
): number[] {
  const table = options.beginToInside;
  return alignWordLabels(wordIds, wordLabels, {
    labelAllTokens: options.labelAllTokens,
    continuationLabel: table ? (label) => table[label] : undefined,
    ignoreIndex: IGNORE_INDEX,
  });
}

/** Options of {@link tokenizeAndAlignLabels}. */
export interface TokenizeAndAlignOptions {
  /** Tag names → ids (e.g. from `buildLabelMap`). Integer tags are used as ids directly. */
  labels: LabelMap;
  /** Truncate to this many tokens (default: no truncation). */
  maxLength?: number;
  /** See {@link AlignOptions.labelAllTokens}; B-X → I-X is derived from `labels`. */
  labelAllTokens?: boolean;
  /** See {@link tokenizeWords}. */
  addPrefixSpace?: boolean;
}

/** A tokenized token-classification example, ready for `tokenClassificationCollator`. */
export interface AlignedExample {
  inputIds: number[];
  labels: number[];
  wordIds: (number | null)[];
}

/**
 * `{ tokens, tags }` → token ids with aligned label ids (first sub-token labelled, others -100).
 * An unknown tag fails naming it.
 */
export function tokenizeAndAlignLabels(
  tokenizer: TokenizerLike,
  record: { tokens: readonly string[]; tags: readonly (string | number)[] },
  options: TokenizeAndAlignOptions,
): AlignedExample {
  if (record.tokens.length !== record.tags.length) {
    throw new Error(`tokenizeAndAlignLabels: ${record.tokens.length} tokens but ${record.tags.length} tags`);
  }
  const wordLabels = record.tags.map((tag, i) => {
    if (typeof tag === 'number') {
      if (Number.isInteger(tag) && tag >= 0 && tag < options.labels.labels.length) return tag;
      throw new Error(
        `tokenizeAndAlignLabels: tags[${i}]: label id ${tag} is out of range (${options.labels.labels.length} labels)`,
      );
    }
    if (!Object.hasOwn(options.labels.label2id, tag)) {
      throw new Error(`tokenizeAndAlignLabels: tags[${i}]: unknown label ${JSON.stringify(tag)}`);
    }
    return options.labels.label2id[tag];
  });
  let { inputIds, wordIds } = tokenizeWords(tokenizer, record.tokens, {
    addPrefixSpace: options.addPrefixSpace,
  });
  if (options.maxLength !== undefined && inputIds.length > options.maxLength) {
    inputIds = inputIds.slice(0, options.maxLength);
    wordIds = wordIds.slice(0, options.maxLength);
  }
  const labels = alignLabelsWithTokens(wordIds, wordLabels, {
    labelAllTokens: options.labelAllTokens,
    beginToInside: options.labelAllTokens ? beginToInsideIds(options.labels) : undefined,
  });
  return { inputIds, labels, wordIds };
}
