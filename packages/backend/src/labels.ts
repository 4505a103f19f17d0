/**
 * The label value that losses skip: PyTorch's `CrossEntropyLoss(ignore_index=-100)`, Hugging Face's
 * convention for padding, prompt tokens and sub-word continuations. The one definition in gptft.
 */
export const IGNORE_INDEX = -100;

/**
 * Causal-LM targets, the one place gptft shifts labels: the logits at position t predict the label
 * at t+1 (transformers' `labels[..., 1:]`), so `labels` — `batch × seqLength` ids in row-major
 * order, {@link IGNORE_INDEX} where no loss is taken, as a `@gptft/datasets` collator makes them —
 * become `batch × (seqLength - 1)` targets for the logits of positions `0 … seqLength-2`.
 */
export function shiftLabels(labels: ArrayLike<number>, batch: number, seqLength: number): Int32Array {
  if (labels.length !== batch * seqLength) {
    throw new Error(`shiftLabels: ${labels.length} labels for [${batch}, ${seqLength}]`);
  }
  const out = new Int32Array(batch * Math.max(0, seqLength - 1));
  for (let b = 0; b < batch; b++) {
    for (let t = 1; t < seqLength; t++) {
      const y = labels[b * seqLength + t]!;
      if (!Number.isInteger(y)) throw new Error(`shiftLabels: label ${y} at [${b}, ${t}] is not an integer`);
      out[b * (seqLength - 1) + t - 1] = y;
    }
  }
  return out;
}
