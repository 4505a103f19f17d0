import { BYTE_TO_CHAR } from './byte-level.js';
import { PairTable } from './pair-table.js';
import { GPT2_SPLIT_REGEX } from './pretokenize.js';

/** A BPE merge rule: the two symbols (byte-level strings) that merge into their concatenation. */
export type Merge = readonly [string, string];

/** Options of {@link ByteLevelBPE}. */
export interface ByteLevelBPEOptions {
  /** Id given to a final symbol that is not in the vocabulary; without it such a symbol throws. */
  unkTokenId?: number;
  /** How many distinct chunks to remember (default 100 000; 0 disables the cache). */
  cacheSize?: number;
}

const NO_RANK = 0x7fffffff;
/** Chunks longer than this (in bytes) use the heap-based merge loop, O(n log n) instead of O(n²). */
const LONG_CHUNK = 64;

/**
 * OpenAI's GPT-2 byte-level BPE over a vocabulary and merge list (a checkpoint's `vocab.json` and
 * `merges.txt`): each pre-tokenized chunk is turned into its UTF-8 bytes, then the adjacent pair
 * with the lowest merge rank is merged everywhere in the chunk, repeatedly, until no pair has a
 * rank (`encoder.py`'s `bpe`). Symbols are integers and merge ranks live in a hash table, so the
 * inner loop allocates nothing; results are cached per chunk.
 */
export class ByteLevelBPE {
  /** Internal symbol id → vocabulary id (-1 when the symbol is not in the vocabulary). */
  private symbolVocabId: number[] = [];
  private symbolStrings: string[] = [];
  private readonly symbolIds = new Map<string, number>();
  private readonly byteSymbols = new Int32Array(256);
  private readonly ranks: PairTable;
  /** Merge rank → the symbol it produces. */
  private readonly mergeResult: Int32Array;
  private readonly unkTokenId: number | undefined;
  private readonly cache = new Map<string, readonly number[]>();
  private readonly cacheSize: number;
  private readonly encoder = new TextEncoder();
  private bytes = new Uint8Array(256);
  private syms = new Int32Array(256);

  constructor(
    vocab: ReadonlyMap<string, number>,
    merges: readonly Merge[],
    options: ByteLevelBPEOptions = {},
  ) {
    this.unkTokenId = options.unkTokenId;
    this.cacheSize = options.cacheSize ?? 100_000;
    for (const [token, id] of vocab) this.symbol(token, id);
    for (let b = 0; b < 256; b++) this.byteSymbols[b] = this.symbol(BYTE_TO_CHAR[b]);
    this.ranks = new PairTable(merges.length);
    this.mergeResult = new Int32Array(merges.length);
    for (let rank = 0; rank < merges.length; rank++) {
      const [left, right] = merges[rank];
      // A repeated rule keeps its last rank, as `dict(zip(merges, range(len(merges))))` does.
      this.ranks.set(this.symbol(left), this.symbol(right), rank);
      this.mergeResult[rank] = this.symbol(left + right);
    }
  }

  private symbol(token: string, vocabId = -1): number {
    let id = this.symbolIds.get(token);
    if (id === undefined) {
      id = this.symbolStrings.length;
      this.symbolIds.set(token, id);
      this.symbolStrings.push(token);
      this.symbolVocabId.push(vocabId);
    } else if (vocabId >= 0 && this.symbolVocabId[id] < 0) {
      this.symbolVocabId[id] = vocabId;
    }
    return id;
  }

  /** Number of merge rules. */
  get mergeCount(): number {
    return this.mergeResult.length;
  }

  /** Forgets the per-chunk cache. */
  clearCache(): void {
    this.cache.clear();
  }

  /** Ids of a whole text: GPT-2 pre-tokenization, then BPE per chunk. */
  encode(text: string): number[] {
    const out: number[] = [];
    const re = new RegExp(GPT2_SPLIT_REGEX);
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const ids = this.encodeChunk(m[0]);
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    }
    return out;
  }

  /** Ids of one pre-tokenized chunk (raw text, not byte-level). */
  encodeChunk(chunk: string): readonly number[] {
    const cached = this.cache.get(chunk);
    if (cached !== undefined) return cached;
    const n = this.toSymbols(chunk);
    const len = n > LONG_CHUNK ? this.mergeLong(n) : this.mergeShort(n);
    const ids = new Array<number>(len);
    for (let i = 0; i < len; i++) ids[i] = this.vocabIdOf(this.syms[i]);
    if (this.cacheSize > 0) {
      if (this.cache.size >= this.cacheSize) this.cache.clear();
      this.cache.set(chunk, ids);
    }
    return ids;
  }

  private vocabIdOf(symbol: number): number {
    const id = this.symbolVocabId[symbol];
    if (id >= 0) return id;
    if (this.unkTokenId !== undefined) return this.unkTokenId;
    throw new Error(
      `BPE produced the symbol ${JSON.stringify(this.symbolStrings[symbol])}, which is not in the vocabulary and there is no unk_token`,
    );
  }

  /** Writes the chunk's byte symbols into `this.syms`; returns their count. */
  private toSymbols(chunk: string): number {
    let ascii = true;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    let n: number;
    if (ascii) {
      n = chunk.length;
      if (this.syms.length < n) this.syms = new Int32Array(n * 2);
      for (let i = 0; i < n; i++) this.syms[i] = this.byteSymbols[chunk.charCodeAt(i)];
      return n;
    }
    if (this.bytes.length < chunk.length * 3) this.bytes = new Uint8Array(chunk.length * 6);
    n = this.encoder.encodeInto(chunk, this.bytes).written;
    if (this.syms.length < n) this.syms = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) this.syms[i] = this.byteSymbols[this.bytes[i]];
    return n;
  }

  /** `encoder.py`'s loop: merge every occurrence of the lowest-ranked pair, until none is left. */
  private mergeShort(n: number): number {
    const syms = this.syms;
    const ranks = this.ranks;
    while (n > 1) {
      let best = NO_RANK;
      let at = -1;
      for (let i = 0; i < n - 1; i++) {
        const r = ranks.get(syms[i], syms[i + 1]);
        if (r >= 0 && r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      const a = syms[at];
      const b = syms[at + 1];
      const merged = this.mergeResult[best];
      // Occurrences left of `at` cannot exist: they would have been found first.
      let out = at;
      let i = at;
      while (i < n) {
        if (i < n - 1 && syms[i] === a && syms[i + 1] === b) {
          syms[out++] = merged;
          i += 2;
        } else {
          syms[out++] = syms[i++];
        }
      }
      n = out;
    }
    return n;
  }

  /**
   * The same merges for long chunks, with a linked list and a heap of (rank, position). Merging the
   * leftmost occurrence of the lowest rank one at a time equals `encoder.py`'s left-to-right pass,
   * because a merge can never create another occurrence of the pair just merged.
   */
  private mergeLong(n: number): number {
    const syms = this.syms;
    const ranks = this.ranks;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const POS = 2 ** 26;
    const heap: number[] = [];
    const push = (key: number) => {
      let i = heap.length;
      heap.push(key);
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p] <= key) break;
        heap[i] = heap[p];
        i = p;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= heap.length) break;
          const r = l + 1;
          const c = r < heap.length && heap[r] < heap[l] ? r : l;
          if (heap[c] >= last) break;
          heap[i] = heap[c];
          i = c;
        }
        heap[i] = last;
      }
      return top;
    };
    if (n >= POS) throw new Error(`a single pre-tokenized chunk of ${n} bytes is too long for BPE`);
    for (let i = 0; i + 1 < n; i++) {
      const r = ranks.get(syms[i], syms[i + 1]);
      if (r >= 0) push(r * POS + i);
    }
    while (heap.length > 0) {
      const key = pop();
      const rank = Math.floor(key / POS);
      const p = key - rank * POS;
      const q = next[p];
      // Skip entries made stale by earlier merges (removed node, or a pair that changed).
      if (q < 0 || prev[p] === -2 || ranks.get(syms[p], syms[q]) !== rank) continue;
      syms[p] = this.mergeResult[rank];
      const after = next[q];
      next[p] = after;
      if (after >= 0) prev[after] = p;
      prev[q] = -2;
      next[q] = -1;
      const before = prev[p];
      if (before >= 0) {
        const r = ranks.get(syms[before], syms[p]);
        if (r >= 0) push(r * POS + before);
      }
      if (after >= 0) {
        const r = ranks.get(syms[p], syms[after]);
        if (r >= 0) push(r * POS + p);
      }
    }
    let len = 0;
    for (let i = 0; i >= 0; i = next[i]) syms[len++] = syms[i];
    return len;
  }
}
