/** Truncation and padding of encoded rows into a rectangular batch (HF's `__call__` semantics). */

/** One encoded text. */
export interface RowEncoding {
  ids: number[];
  /** `[start, end)` UTF-16 offsets per token (`[0, 0]` for tokens that come from no text). */
  offsets?: [number, number][];
  /** Word index per token (null for tokens that belong to no word: padding, bos/eos). */
  wordIds?: (number | null)[];
}

/** A padded batch (HF's `BatchEncoding` with camelCase keys). */
export interface BatchEncoding {
  inputIds: number[][];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
  /** Present with `returnOffsets`. */
  offsets?: [number, number][][];
  /** Present with `isSplitIntoWords` or `returnWordIds`. */
  wordIds?: (number | null)[][];
}

/** Keeps `limit` tokens of a row, dropping from the right or the left end. */
export function truncateRow(row: RowEncoding, limit: number, side: 'left' | 'right'): void {
  if (row.ids.length <= limit) return;
  const cut = <T>(a: T[]) => (side === 'right' ? a.slice(0, limit) : a.slice(a.length - limit));
  row.ids = cut(row.ids);
  if (row.offsets) row.offsets = cut(row.offsets);
  if (row.wordIds) row.wordIds = cut(row.wordIds);
}

/** Options of {@link padBatch}. */
export interface PadOptions {
  /** Pad every row to this length (rows already longer are left as they are). */
  length: number;
  side: 'left' | 'right';
  padId: number;
  withOffsets: boolean;
  withWordIds: boolean;
}

/** Pads rows to a common length and builds the attention masks. */
export function padBatch(rows: RowEncoding[], o: PadOptions): BatchEncoding {
  const batch: BatchEncoding = { inputIds: [], attentionMask: [] };
  if (o.withOffsets) batch.offsets = [];
  if (o.withWordIds) batch.wordIds = [];
  const right = o.side === 'right';
  /** `values` padded to `o.length` with `pad` on the chosen side. */
  const fill = <T>(values: readonly T[] | undefined, real: number, pad: T, one?: T): T[] => {
    const total = Math.max(o.length, real);
    const out = new Array<T>(total);
    const start = right ? 0 : total - real;
    for (let i = 0; i < total; i++) {
      const k = i - start;
      out[i] = k >= 0 && k < real ? (one ?? (values as readonly T[])[k]) : pad;
    }
    return out;
  };
  for (const row of rows) {
    const real = row.ids.length;
    batch.inputIds.push(fill(row.ids, real, o.padId));
    batch.attentionMask.push(fill(undefined, real, 0, 1));
    if (batch.offsets) batch.offsets.push(fill(row.offsets, real, [0, 0] as [number, number]));
    if (batch.wordIds) batch.wordIds.push(fill(row.wordIds, real, null));
  }
  return batch;
}
