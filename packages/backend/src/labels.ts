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
 * With `keepLength`, the targets stay `batch × seqLength` (one per position, each row's last
 * position {@link IGNORE_INDEX}: it predicts nothing) — the form a loss over every position's
 * hidden state takes, such as `fusedLinearCrossEntropy`.
 */
export function shiftLabels(
  labels: ArrayLike<number>,
  batch: number,
  seqLength: number,
  options: { keepLength?: boolean } = {},
): Int32Array {
  if (labels.length !== batch * seqLength) {
    throw new Error(`shiftLabels: ${labels.length} labels for [${batch}, ${seqLength}]`);
  }
  const width = options.keepLength ? seqLength : Math.max(0, seqLength - 1);
  const out = new Int32Array(batch * width).fill(IGNORE_INDEX);
  for (let b = 0; b < batch; b++) {
    for (let t = 1; t < seqLength; t++) {
      const y = labels[b * seqLength + t]!;
      if (!Number.isInteger(y)) throw new Error(`shiftLabels: label ${y} at [${b}, ${t}] is not an integer`);
      out[b * width + t - 1] = y;
    }
  }
  return out;
}
