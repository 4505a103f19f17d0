import {
  type Batch,
  checkIds,
  checkPaddingOptions,
  checkSameLength,
  IGNORE_INDEX,
  type PaddingOptions,
  paddedLength,
  type TokenIds,
} from './batch.js';

/** The per-token fields a padded row may carry. */
export interface TokenRow {
  inputIds: TokenIds;
  attentionMask?: TokenIds;
  labels?: TokenIds;
  positionIds?: TokenIds;
  documentIds?: TokenIds;
}

/**
 * How per-token labels are made: `'inputs'` — the example's labels if present, else its input ids
 * (padding and masked-out tokens -100); `'given'` — the example's labels, required; `'none'` —
 * no per-token labels (the caller fills sequence labels).
 */
export type LabelMode = 'inputs' | 'given' | 'none';

/** Pads token rows into a batch (see {@link Batch}); `labels` is left empty for mode `'none'`. */
export function padRows(
  examples: readonly TokenRow[],
  options: PaddingOptions,
  who: string,
  mode: LabelMode,
): Batch {
  checkPaddingOptions(options, who);
  if (examples.length === 0) throw new Error(`${who}: cannot collate an empty list of examples`);
  const B = examples.length;
  examples.forEach((ex, b) => {
    if (!ex || ex.inputIds === undefined) throw new Error(`${who}: example ${b} has no inputIds`);
    const n = ex.inputIds.length;
    checkIds(ex.inputIds, who, b, 'inputIds');
    checkSameLength(ex.attentionMask, n, who, b, 'attentionMask');
    checkSameLength(ex.labels, n, who, b, 'labels');
    checkSameLength(ex.positionIds, n, who, b, 'positionIds');
    checkSameLength(ex.documentIds, n, who, b, 'documentIds');
    if (ex.labels) checkIds(ex.labels, who, b, 'labels', true);
    if (mode === 'given' && !ex.labels) throw new Error(`${who}: example ${b} has no labels`);
  });
  const T = paddedLength(
    examples.map((e) => e.inputIds.length),
    options,
    who,
  );
  const left = options.paddingSide === 'left';
  const withPositions = left || examples.some((e) => e.positionIds !== undefined);
  const withDocuments = examples.some((e) => e.documentIds !== undefined);

  const inputIds = new Int32Array(B * T).fill(options.padTokenId);
  const attentionMask = new Int32Array(B * T);
  const labels = mode === 'none' ? new Int32Array(0) : new Int32Array(B * T).fill(IGNORE_INDEX);
  const positionIds = withPositions ? new Int32Array(B * T) : undefined;
  const documentIds = withDocuments ? new Int32Array(B * T).fill(-1) : undefined;
  let numTokens = 0;

  for (let b = 0; b < B; b++) {
    const ex = examples[b];
    const n = ex.inputIds.length;
    const row = b * T + (left ? T - n : 0);
    let position = 0;
    for (let t = 0; t < n; t++) {
      const i = row + t;
      const mask = ex.attentionMask ? (ex.attentionMask[t] ? 1 : 0) : 1;
      inputIds[i] = ex.inputIds[t];
      attentionMask[i] = mask;
      numTokens += mask;
      if (mode !== 'none') {
        labels[i] = ex.labels ? ex.labels[t] : mask ? ex.inputIds[t] : IGNORE_INDEX;
      }
      if (positionIds) {
        // Given positions win; otherwise count real tokens only (HF's cumsum(mask) - 1 for left padding).
        positionIds[i] = ex.positionIds ? ex.positionIds[t] : mask ? position++ : 0;
      }
      if (documentIds) documentIds[i] = ex.documentIds ? ex.documentIds[t] : mask ? 0 : -1;
    }
  }
  const batch: Batch = {
    shape: [B, T],
    inputIds,
    attentionMask,
    labels,
    labelsShape: [B, T],
    numTokens,
  };
  if (positionIds) batch.positionIds = positionIds;
  if (documentIds) batch.documentIds = documentIds;
  return batch;
}
