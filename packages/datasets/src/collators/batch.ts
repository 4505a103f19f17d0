import { IGNORE_INDEX } from '@gptft/backend';

export { IGNORE_INDEX };

/** Token ids as an array or typed array. */
export type TokenIds = ArrayLike<number>;

/**
 * One collated batch as flat, row-major int32 arrays — no tensors, so the trainer decides the
 * backend: `tf.tensor2d(batch.inputIds, batch.shape, 'int32')`.
 *
 * - `inputIds`, `attentionMask` (1 = real token, 0 = padding): `[batchSize, seqLength]` = `shape`.
 * - `labels`: `labelsShape`, which is `shape` for causal LM / token classification (unshifted:
 *   the model shifts, as HF does; ignored positions are -100) and `[batchSize]` for sequence classification.
 * - `positionIds` (`shape`, optional): positions to embed. Present with left padding
 *   (positions count real tokens only) and for packed blocks (restarting at 0 at every
 *   document). Absent means `0 … seqLength-1` in every row.
 * - `documentIds` (`shape`, optional, packed blocks only): which document of its row each token
 *   belongs to (0, 1, 2, …; -1 for padding). Token `i` may attend to token `j` only if
 *   `j <= i` and `documentIds[i] === documentIds[j]` (block-diagonal causal mask). See the README.
 * - `numTokens`: real (non-padding) tokens in the batch, for tokens/s.
 */
export interface Batch {
  /** `[batchSize, seqLength]`. */
  shape: [number, number];
  inputIds: Int32Array;
  attentionMask: Int32Array;
  labels: Int32Array;
  labelsShape: [number, number] | [number];
  positionIds?: Int32Array;
  documentIds?: Int32Array;
  numTokens: number;
}

/** Turns a list of examples into one {@link Batch}. */
export type Collator<E> = (examples: readonly E[]) => Batch;

/** Padding settings shared by all collators (HF `DataCollatorWithPadding` semantics). */
export interface PaddingOptions {
  /**
   * The id written into padded positions. GPT-2 has no pad token; HF users set `pad = eos`
   * (50256), which is safe here because labels and masks never look at the pad id.
   */
  padTokenId: number;
  /** Where padding goes (default `'right'`; `'left'` for batched generation-style inputs). */
  paddingSide?: 'right' | 'left';
  /** Round the padded length up to a multiple of this (e.g. 8). */
  padToMultipleOf?: number;
  /** Pad every batch to exactly this length (HF `padding='max_length'`); a longer example is an error. */
  maxLength?: number;
}

/** The length a batch pads to. */
export function paddedLength(lengths: readonly number[], options: PaddingOptions, who: string): number {
  let T = lengths.reduce((a, b) => Math.max(a, b), 0);
  if (options.maxLength !== undefined) {
    if (T > options.maxLength) {
      const i = lengths.findIndex((l) => l > options.maxLength!);
      throw new Error(
        `${who}: example ${i} has ${lengths[i]} tokens, more than maxLength ${options.maxLength}; truncate when tokenizing`,
      );
    }
    T = options.maxLength;
  }
  const m = options.padToMultipleOf;
  if (m !== undefined && m > 1 && T % m !== 0) T += m - (T % m);
  return T;
}

/** Checks the padding options once, when a collator is created. */
export function checkPaddingOptions(options: PaddingOptions, who: string): void {
  if (!Number.isInteger(options?.padTokenId) || options.padTokenId < 0) {
    throw new Error(
      `${who}: padTokenId must be a non-negative integer id, got ${options?.padTokenId}. GPT-2 has no pad token; ` +
        'pass the EOS id (padTokenId: tokenizer.eosTokenId), as HF users set tokenizer.pad_token = tokenizer.eos_token',
    );
  }
  if (
    options.paddingSide !== undefined &&
    options.paddingSide !== 'left' &&
    options.paddingSide !== 'right'
  ) {
    throw new Error(
      `${who}: paddingSide must be 'left' or 'right', got ${JSON.stringify(options.paddingSide)}`,
    );
  }
  for (const key of ['padToMultipleOf', 'maxLength'] as const) {
    const v = options[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new Error(`${who}: ${key} must be a positive integer, got ${v}`);
  }
}

/** Checks one example's id array: integers, non-negative unless `allowIgnore` (then -100 is also allowed). */
export function checkIds(
  ids: TokenIds,
  who: string,
  index: number,
  field: string,
  allowIgnore = false,
): void {
  for (let t = 0; t < ids.length; t++) {
    const v = ids[t];
    if (!Number.isInteger(v) || (v < 0 && !(allowIgnore && v === IGNORE_INDEX)) || v > 0x7fffffff) {
      throw new Error(
        `${who}: example ${index}: ${field}[${t}] must be ${allowIgnore ? 'a token id or -100' : 'a token id'}, got ${v}`,
      );
    }
  }
}

/** Checks that an optional per-token array has the same length as inputIds. */
export function checkSameLength(
  ids: TokenIds | undefined,
  n: number,
  who: string,
  index: number,
  field: string,
): void {
  if (ids !== undefined && ids.length !== n) {
    throw new Error(`${who}: example ${index}: ${field} has ${ids.length} entries but inputIds has ${n}`);
  }
}
