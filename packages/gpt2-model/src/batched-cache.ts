import {
  concatPastRows,
  disposePast,
  dropPastFront,
  type PastKeyValues,
  pastLength,
  selectPastRows,
} from './kv-cache.js';

/**
 * A KV cache for rows of different lengths that join and leave between decoding steps
 * (continuous batching). Rows are kept right-aligned — each row's latest position is the last
 * column, shorter rows are padded in front — and {@link attentionMask} marks every row's real
 * positions, so a forward pass given it computes each row's positions (`cumsum(mask) − 1`) and
 * attention exactly as for the row alone: padding is masked, nothing else changes.
 *
 * ```ts
 * const out = model.forward({ inputIds: next, pastKeyValues: cache.past, attentionMask: cache.attentionMask(1), useCache: true });
 * cache.update(out.pastKeyValues!); // one new position per row
 * ```
 * The cache owns its tensors: `add` and `update` take ownership, `dispose` frees them.
 */
export class BatchedKVCache {
  private pastKV: PastKeyValues | undefined;
  /** [B][S]: 1 for a real position (token or prefix), 0 for padding in front. */
  private mask: number[][] = [];

  /** Per-layer keys/values [B, H, S, D] (undefined while empty). Do not dispose: the cache owns them. */
  get past(): PastKeyValues | undefined {
    return this.pastKV;
  }

  /** Number of rows B. */
  get batchSize(): number {
    return this.mask.length;
  }

  /** Number of columns S (the longest row). */
  get length(): number {
    return this.mask[0]?.length ?? 0;
  }

  /** Real positions of row `i` (its prompt, prefix and generated tokens so far). */
  rowLength(i: number): number {
    let n = 0;
    for (const m of this.mask[i] ?? []) n += m;
    return n;
  }

  /**
   * The mask of a forward pass over the cache plus `newTokens` more positions per row: [B, S + newTokens].
   */
  attentionMask(newTokens = 1): number[][] {
    return this.mask.map((r) => [...r, ...new Array<number>(newTokens).fill(1)]);
  }

  /**
   * Adds rows at the end: their keys/values [b, H, s, D] (the cache takes ownership) and, when
   * they are padded themselves, their mask [b, s] (default: all real).
   */
  add(past: PastKeyValues, mask?: number[][]): void {
    const b = past[0]?.key.shape[0] ?? 0;
    const s = pastLength(past);
    const rows = mask ?? Array.from({ length: b }, () => new Array<number>(s).fill(1));
    if (rows.length !== b || rows.some((r) => r.length !== s)) {
      disposePast(past);
      throw new Error(`BatchedKVCache.add: mask must be [${b}, ${s}] like the keys/values`);
    }
    if (!this.pastKV) {
      this.pastKV = past;
      this.mask = rows.map((r) => [...r]);
      return;
    }
    const width = Math.max(this.length, s);
    const joined = concatPastRows(this.pastKV, past);
    disposePast(this.pastKV);
    disposePast(past);
    this.pastKV = joined;
    const padded = (r: number[]) => [...new Array<number>(width - r.length).fill(0), ...r];
    this.mask = [...this.mask.map(padded), ...rows.map(padded)];
  }

  /**
   * Keeps the rows `rows` (in that order; a row may repeat) and frees the others; columns that
   * became padding in every row are dropped.
   */
  select(rows: readonly number[]): void {
    if (!this.pastKV) {
      if (rows.length > 0) throw new Error('BatchedKVCache.select: the cache is empty');
      return;
    }
    for (const r of rows)
      if (!Number.isInteger(r) || r < 0 || r >= this.batchSize)
        throw new Error(`BatchedKVCache.select: no row ${r} (${this.batchSize} rows)`);
    if (rows.length === 0) {
      this.dispose();
      return;
    }
    const identity = rows.length === this.batchSize && rows.every((r, i) => r === i);
    let past = identity ? this.pastKV : selectPastRows(this.pastKV, rows);
    const mask = rows.map((r) => [...this.mask[r]!]);
    let lead = 0;
    while (lead < mask[0]!.length && mask.every((m) => m[lead] === 0)) lead++;
    if (lead > 0) {
      const trimmed = dropPastFront(past, lead);
      if (past !== this.pastKV) disposePast(past);
      past = trimmed;
      for (const m of mask) m.splice(0, lead);
    }
    if (past !== this.pastKV) disposePast(this.pastKV);
    this.pastKV = past;
    this.mask = mask;
  }

  /**
   * Replaces the keys/values by what a forward pass returned for `newTokens` more positions per
   * row ([B, H, S + newTokens, D]; the cache takes ownership and frees the old ones).
   */
  update(present: PastKeyValues, newTokens = 1): void {
    const b = present[0]?.key.shape[0];
    if (b !== this.batchSize || pastLength(present) !== this.length + newTokens) {
      disposePast(present);
      throw new Error(
        `BatchedKVCache.update: expected keys/values [${this.batchSize}, H, ${this.length + newTokens}, D]`,
      );
    }
    if (present !== this.pastKV) disposePast(this.pastKV);
    this.pastKV = present;
    for (const m of this.mask) for (let i = 0; i < newTokens; i++) m.push(1);
  }

  /** Frees every tensor; the cache is empty afterwards. */
  dispose(): void {
    disposePast(this.pastKV);
    this.pastKV = undefined;
    this.mask = [];
  }
}
