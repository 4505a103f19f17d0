/** Aligning word-level labels (NER, POS) with tokens, for token classification. */

/** Options of {@link alignLabelsWithTokens}. */
export interface AlignLabelsOptions {
  /**
   * Label every token of a word, not only its first (default false: the other tokens get
   * `ignoreIndex`, HF's usual choice).
   */
  labelAllTokens?: boolean;
  /** Label of the non-first tokens of a word when `labelAllTokens` (e.g. B-PER → I-PER); default the same label. */
  continuationLabel?: (label: number) => number;
  /** Label for tokens of no word (padding, bos/eos) and ignored tokens (default -100, PyTorch's ignore index). */
  ignoreIndex?: number;
}

/**
 * Per-token labels from per-word labels, using the `wordIds` of an encoding
 * (`tokenizer.call(words, { isSplitIntoWords: true }).wordIds[i]`): the first token of each word
 * gets the word's label, the others `ignoreIndex` (or a label, with `labelAllTokens`), and
 * tokens of no word get `ignoreIndex`.
 */
export function alignLabelsWithTokens(
  wordIds: readonly (number | null)[],
  wordLabels: readonly number[],
  options: AlignLabelsOptions = {},
): number[] {
  const ignore = options.ignoreIndex ?? -100;
  const labels: number[] = [];
  let previous: number | null = null;
  for (const w of wordIds) {
    if (w === null) labels.push(ignore);
    else {
      if (w < 0 || w >= wordLabels.length) {
        throw new RangeError(`word id ${w} has no label (${wordLabels.length} word labels given)`);
      }
      if (w !== previous) labels.push(wordLabels[w]);
      else if (options.labelAllTokens) labels.push((options.continuationLabel ?? ((l) => l))(wordLabels[w]));
      else labels.push(ignore);
    }
    previous = w;
  }
  return labels;
}
