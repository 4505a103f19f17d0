/**
 * Training a byte-level BPE tokenizer on a corpus, as Hugging Face `tokenizers`' `BpeTrainer` does
 * for `ByteLevelBPETokenizer.train` (GPT-2's pre-tokenization, all 256 byte symbols in the initial
 * alphabet). The result is a {@link GPT2Tokenizer} whose `savePretrained` writes `vocab.json` and
 * `merges.txt` that HF's `GPT2Tokenizer` loads.
 */
import { toAddedToken } from './added-tokens.js';
import type { Merge } from './bpe.js';
import { BYTE_TO_CHAR } from './byte-level.js';
import { GPT2_SPLIT_REGEX } from './pretokenize.js';
import { GPT2Tokenizer } from './tokenizer.js';
import { DEFAULT_SETTINGS, type SpecialTokens } from './tokenizer-data.js';

/** Options of {@link trainByteLevelBpe}. */
export interface TrainBpeOptions {
  /**
   * Size of the vocabulary to reach: special tokens + 256 byte symbols + merged tokens (HF
   * `vocab_size`). Training stops earlier when no pair is frequent enough. At least
   * `specialTokens.length + 256`.
   */
  vocabSize: number;
  /** A pair must occur at least this often to be merged (HF `min_frequency`; default 2). */
  minFrequency?: number;
  /**
   * Special tokens, given the first ids in this order (HF's trainer puts them before the
   * alphabet). Default `['<|endoftext|>']`. `<|endoftext|>` becomes the bos, eos and unk token,
   * as in GPT-2; the others become `additionalSpecialTokens`.
   */
  specialTokens?: readonly string[];
  /** `model_max_length` written to `tokenizer_config.json` (default: none). */
  modelMaxLength?: number;
  /** Called after every merge with the number of merges so far and the vocabulary size. */
  onProgress?: (merges: number, vocabSize: number) => void;
}

/** What {@link trainBpeMerges} learned. */
export interface BpeTrainingResult {
  /** Token → id: special tokens, then the 256 byte symbols by code point, then merged tokens. */
  vocab: Map<string, number>;
  /** Merge rules in rank order (byte-level strings). */
  merges: Merge[];
}

const TEXT_ENCODER = new TextEncoder();
/** Pair key: left id × 2²¹ + right id (exact as a double for ids below 2²¹). */
const PAIR_SHIFT = 0x200000;
const MAX_ID = PAIR_SHIFT - 1;

interface HeapEntry {
  count: number;
  left: number;
  right: number;
  /** Indices of the words the pair occurs in (HF's `pos`). */
  pos: Set<number>;
}

/** HF's `Merge` order: larger count first; on a tie the smaller (left, right) pair of ids. */
function before(x: HeapEntry, y: HeapEntry): boolean {
  if (x.count !== y.count) return x.count > y.count;
  if (x.left !== y.left) return x.left < y.left;
  return x.right < y.right;
}

/** A binary max-heap in {@link before} order. */
class MergeQueue {
  private readonly items: HeapEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(e: HeapEntry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): HeapEntry | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function addPosition(where: Map<number, Set<number>>, key: number, word: number): void {
  const pos = where.get(key);
  if (pos === undefined) where.set(key, new Set([word]));
  else pos.add(word);
}

/** Counts GPT-2 pre-tokenization chunks (raw text) over the texts. */
async function countChunks(texts: Iterable<string> | AsyncIterable<string>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let index = 0;
  for await (const text of texts as AsyncIterable<string>) {
    if (typeof text !== 'string') {
      throw new TypeError(`trainByteLevelBpe: text ${index} is ${typeof text}, expected a string`);
    }
    const re = new RegExp(GPT2_SPLIT_REGEX);
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    }
    index++;
  }
  return counts;
}

/**
 * Learns BPE merges from texts, with Hugging Face `tokenizers`' `BpeTrainer` algorithm and
 * tie-breaking (see {@link trainByteLevelBpe}). Each text is pre-tokenized on its own with GPT-2's
 * regex, so a chunk never spans two texts.
 */
export async function trainBpeMerges(
  texts: Iterable<string> | AsyncIterable<string>,
  options: TrainBpeOptions,
): Promise<BpeTrainingResult> {
  const specialTokens = options.specialTokens ?? ['<|endoftext|>'];
  const minFrequency = options.minFrequency ?? 2;
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > MAX_ID) {
    throw new RangeError(`vocabSize: expected an integer from 1 to ${MAX_ID}, got ${vocabSize}`);
  }
  if (!Number.isFinite(minFrequency) || minFrequency < 0) {
    throw new RangeError(`minFrequency: expected a non-negative number, got ${minFrequency}`);
  }
  specialTokens.forEach((t, i) => {
    if (typeof t !== 'string' || t === '')
      throw new TypeError(`specialTokens[${i}]: expected a non-empty string`);
  });

  // 1. Special tokens, 2. the alphabet: every byte character, sorted by code point.
  const idToToken: string[] = [];
  const tokenToId = new Map<string, number>();
  const add = (token: string): number => {
    let id = tokenToId.get(token);
    if (id === undefined) {
      id = idToToken.length;
      tokenToId.set(token, id);
      idToToken.push(token);
    }
    return id;
  };
  for (const t of specialTokens) add(t);
  const alphabet = [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
  for (const ch of alphabet) add(ch);
  const byteId = new Int32Array(256);
  for (let b = 0; b < 256; b++) byteId[b] = tokenToId.get(BYTE_TO_CHAR[b])!;

  // 3. Words as arrays of symbol ids, with their counts.
  const chunkCounts = await countChunks(texts);
  const words: Int32Array[] = [];
  const lengths: number[] = [];
  const counts: number[] = [];
  for (const [chunk, count] of chunkCounts) {
    const bytes = TEXT_ENCODER.encode(chunk);
    const w = new Int32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) w[i] = byteId[bytes[i]];
    words.push(w);
    lengths.push(w.length);
    counts.push(count);
  }

  // 4. Pair counts (overlapping occurrences included) and where each pair occurs.
  const pairCounts = new Map<number, number>();
  let whereToUpdate = new Map<number, Set<number>>();
  for (let wi = 0; wi < words.length; wi++) {
    const w = words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const key = w[i] * PAIR_SHIFT + w[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[wi]);
      addPosition(whereToUpdate, key, wi);
    }
  }
  const queue = new MergeQueue();
  const enqueue = () => {
    for (const [key, pos] of whereToUpdate) {
      const count = pairCounts.get(key)!;
      if (count > 0) queue.push({ count, left: Math.floor(key / PAIR_SHIFT), right: key % PAIR_SHIFT, pos });
    }
    whereToUpdate = new Map();
  };
  enqueue();

  // 5. Merges.
  const merges: Merge[] = [];
  const change = (key: number, delta: number, wi: number) => {
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta * counts[wi]);
    if (delta > 0) addPosition(whereToUpdate, key, wi);
  };
  while (tokenToId.size < vocabSize) {
    const top = queue.pop();
    if (top === undefined) break;
    const topKey = top.left * PAIR_SHIFT + top.right;
    const current = pairCounts.get(topKey)!;
    if (top.count !== current) {
      // A stale entry: put it back with its current count (HF does the same, lazily).
      top.count = current;
      queue.push(top);
      continue;
    }
    if (top.count < 1 || top.count < minFrequency) break;
    const newToken = idToToken[top.left] + idToToken[top.right];
    const newId = add(newToken);
    if (newId > MAX_ID) throw new RangeError(`vocabulary grew past ${MAX_ID} ids`);
    merges.push([idToToken[top.left], idToToken[top.right]]);

    // Replace the pair left to right, without overlaps, in every word that has it, and record
    // how the neighbouring pairs change (HF's `Word::merge`).
    const { left, right } = top;
    for (const wi of top.pos) {
      const w = words[wi];
      const n = lengths[wi];
      let out = 0;
      let i = 0;
      while (i < n) {
        if (w[i] === left && i + 1 < n && w[i + 1] === right) {
          if (out > 0) {
            const prev = w[out - 1];
            change(prev * PAIR_SHIFT + left, -1, wi);
            change(prev * PAIR_SHIFT + newId, 1, wi);
          }
          if (i + 2 < n) {
            const next = w[i + 2];
            change(right * PAIR_SHIFT + next, -1, wi);
            change(newId * PAIR_SHIFT + next, 1, wi);
          }
          w[out++] = newId;
          i += 2;
        } else {
          w[out++] = w[i++];
        }
      }
      lengths[wi] = out;
    }
    enqueue();
    options.onProgress?.(merges.length, tokenToId.size);
  }
  return { vocab: tokenToId, merges };
}

/**
 * Trains a byte-level BPE tokenizer (GPT-2 style) on texts, as Hugging Face `tokenizers`'
 * `ByteLevelBPETokenizer.train` / `BpeTrainer` does:
 *
 * - every text is cut into chunks by GPT-2's pre-tokenization regex, and chunks into UTF-8 bytes;
 * - ids: the special tokens first, then the 256 byte symbols (sorted by code point, which is
 *   GPT-2's order of them), then one token per merge;
 * - each step merges the most frequent adjacent pair; ties go to the pair with the smaller
 *   (left id, right id), as HF's trainer orders its queue;
 * - training stops at `vocabSize` tokens or when the best pair occurs fewer than `minFrequency`
 *   times.
 *
 * Texts may be an array, any iterable or an async iterable (e.g. lines streamed from a file).
 * `savePretrained` on the result writes `vocab.json`, `merges.txt`, `tokenizer_config.json` and
 * `special_tokens_map.json` that HF's `GPT2Tokenizer` loads.
 */
export async function trainByteLevelBpe(
  texts: Iterable<string> | AsyncIterable<string>,
  options: TrainBpeOptions,
): Promise<GPT2Tokenizer> {
  const specialTokens = [...(options.specialTokens ?? ['<|endoftext|>'])];
  const { vocab, merges } = await trainBpeMerges(texts, { ...options, specialTokens });
  const named: SpecialTokens = { additional: [] };
  for (const t of specialTokens) {
    if (t === '<|endoftext|>') named.bos = named.eos = named.unk = t;
    else if (!named.additional.includes(t)) named.additional.push(t);
  }
  return new GPT2Tokenizer({
    vocab,
    merges,
    addedTokens: [...new Set(specialTokens)].map((t) => [
      vocab.get(t)!,
      toAddedToken({ content: t, special: true, normalized: false }, true),
    ]),
    specialTokens: named,
    settings: { ...DEFAULT_SETTINGS, modelMaxLength: options.modelMaxLength },
    extraConfig: { errors: 'replace', tokenizer_class: 'GPT2Tokenizer' },
    isGpt2: false,
  });
}
