/** The BPE core against a literal port of OpenAI's encoder.py `bpe`, and the r50k-derived files. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ByteLevelBPE,
  BYTE_TO_CHAR,
  byteLevelToBytes,
  bytesToByteLevel,
  gpt2Merges,
  gpt2Vocab,
  isGpt2Vocabulary,
  type Merge,
  parseMerges,
  parseVocab,
  pretokenize,
} from '../src/index.js';
import { GPT2_DIR } from './helpers.js';

/** encoder.py's `bpe(token)`, line for line (strings, tuples as arrays). */
function referenceBpe(token: string, ranks: Map<string, number>): string[] {
  let word = Array.from(token);
  const pairs = (w: string[]) => {
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < w.length; i++) out.push([w[i], w[i + 1]]);
    return out;
  };
  if (word.length < 2) return word;
  for (;;) {
    let bigram: [string, string] | undefined;
    let best = Number.POSITIVE_INFINITY;
    for (const p of pairs(word)) {
      const r = ranks.get(`${p[0]} ${p[1]}`) ?? Number.POSITIVE_INFINITY;
      if (r < best) {
        best = r;
        bigram = p;
      }
    }
    if (bigram === undefined) break;
    const [first, second] = bigram;
    const next: string[] = [];
    let i = 0;
    while (i < word.length) {
      const j = word.indexOf(first, i);
      if (j < 0) {
        next.push(...word.slice(i));
        break;
      }
      next.push(...word.slice(i, j));
      i = j;
      if (word[i] === first && i < word.length - 1 && word[i + 1] === second) {
        next.push(first + second);
        i += 2;
      } else {
        next.push(word[i]);
        i += 1;
      }
    }
    word = next;
    if (word.length === 1) break;
  }
  return word;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('ByteLevelBPE', () => {
  // A toy model over the letters a, b, c: 60 random merges of existing symbols.
  const random = rng(7);
  const vocab = new Map<string, number>();
  for (let b = 0; b < 256; b++) vocab.set(BYTE_TO_CHAR[b], b);
  const symbols = ['a', 'b', 'c'];
  const merges: Merge[] = [];
  while (merges.length < 60) {
    const l = symbols[Math.floor(random() * symbols.length)];
    const r = symbols[Math.floor(random() * symbols.length)];
    if (merges.some(([x, y]) => x === l && y === r) || (l + r).length > 12) continue;
    merges.push([l, r]);
    if (!vocab.has(l + r)) {
      vocab.set(l + r, vocab.size);
      symbols.push(l + r);
    }
  }
  const ranks = new Map(merges.map(([l, r], i) => [`${l} ${r}`, i]));

  it('equals encoder.py on short and long chunks (both merge loops)', () => {
    const bpe = new ByteLevelBPE(vocab, merges, { cacheSize: 0 });
    for (let k = 0; k < 400; k++) {
      const n = 1 + Math.floor(random() * (k < 200 ? 40 : 400));
      let text = '';
      for (let i = 0; i < n; i++) text += 'abc'[Math.floor(random() * 3)];
      const expected = referenceBpe(text, ranks).map((t) => vocab.get(t));
      expect(bpe.encodeChunk(text), text).toEqual(expected);
    }
  });

  it('equals encoder.py with GPT-2 merges on long runs', () => {
    const vocabGpt2 = parseVocab('vocab.json', readFileSync(`${GPT2_DIR}/vocab.json`, 'utf8'));
    const mergesGpt2 = parseMerges('merges.txt', readFileSync(`${GPT2_DIR}/merges.txt`, 'utf8'));
    const ranksGpt2 = new Map(mergesGpt2.map(([l, r], i) => [`${l} ${r}`, i]));
    const bpe = new ByteLevelBPE(vocabGpt2, mergesGpt2, { cacheSize: 0 });
    const enc = new TextEncoder();
    for (const chunk of [
      'a'.repeat(257),
      'ab'.repeat(100),
      'é'.repeat(70),
      '🤖'.repeat(40),
      'Supercalifragilistic'.repeat(9),
    ]) {
      const token = bytesToByteLevel(enc.encode(chunk));
      expect(bpe.encodeChunk(chunk)).toEqual(referenceBpe(token, ranksGpt2).map((t) => vocabGpt2.get(t)));
    }
  });

  it('keeps the last rank of a repeated merge rule, as dict(zip(merges, range)) does', () => {
    const v = new Map(vocab);
    v.set('ab', 1000);
    v.set('bc', 1001);
    // "b c" first at rank 0, "a b" at 1, then "b c" again at 2: last wins, so "a b" (1) goes first.
    const bpe = new ByteLevelBPE(v, [
      ['b', 'c'],
      ['a', 'b'],
      ['b', 'c'],
    ]);
    expect(bpe.encodeChunk('abc')).toEqual([1000, v.get('c')]);
  });

  it('maps a result outside the vocabulary to unk, or throws naming it', () => {
    const v = new Map<string, number>([...'xyz'].map((c, i) => [c, i]));
    expect(new ByteLevelBPE(v, [['x', 'y']], { unkTokenId: 2 }).encodeChunk('xyq')).toEqual([2, 2]);
    expect(() => new ByteLevelBPE(v, []).encodeChunk('q')).toThrow(/"q".*not in the vocabulary/);
  });

  it('byte-level strings round-trip every byte', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(byteLevelToBytes(bytesToByteLevel(all))).toEqual(all);
    expect(bytesToByteLevel(new TextEncoder().encode(' hi\n'))).toBe('ĠhiĊ');
    expect(byteLevelToBytes('中')).toBeUndefined();
  });
});

describe("GPT-2's files derived from gpt-tokenizer's r50k data", () => {
  it("merges equal GPT-2's merges.txt byte for byte; vocab equals vocab.json", () => {
    const merges = readFileSync(`${GPT2_DIR}/merges.txt`, 'utf8');
    expect(
      `#version: 0.2\n${gpt2Merges()
        .map(([a, b]) => `${a} ${b}\n`)
        .join('')}`,
    ).toBe(merges);
    const vocab = JSON.parse(readFileSync(`${GPT2_DIR}/vocab.json`, 'utf8')) as Record<string, number>;
    const derived = gpt2Vocab();
    expect(derived.size).toBe(50256);
    for (const [token, id] of Object.entries(vocab)) {
      if (token !== '<|endoftext|>') expect(derived.get(token)).toBe(id);
    }
  });

  it('isGpt2Vocabulary tells GPT-2 from a changed vocabulary', () => {
    const vocab = parseVocab('vocab.json', readFileSync(`${GPT2_DIR}/vocab.json`, 'utf8'));
    const merges = parseMerges('merges.txt', readFileSync(`${GPT2_DIR}/merges.txt`, 'utf8'));
    expect(isGpt2Vocabulary(vocab, merges)).toBe(true);
    expect(isGpt2Vocabulary(vocab, merges.slice(0, -1))).toBe(false);
    const swapped = [...merges];
    [swapped[10], swapped[11]] = [swapped[11], swapped[10]];
    expect(isGpt2Vocabulary(vocab, swapped)).toBe(false);
    const changed = new Map(vocab);
    changed.set('Ġthe', 1);
    expect(isGpt2Vocabulary(changed, merges)).toBe(false);
  });
});

describe('pretokenize (GPT-2 regex with Python regex semantics)', () => {
  it("cuts like Python's regex module, also where JavaScript's \\s differs", () => {
    // Expected chunks computed with Python `regex` and OpenAI's pattern.
    expect(pretokenize('!\u0085?').chunks).toEqual(['!', '\u0085', '?']);
    expect(pretokenize('a \ufeff!').chunks).toEqual(['a', ' \ufeff!']);
    expect(pretokenize('end.\u0085').chunks).toEqual(['end', '.', '\u0085']);
    expect(pretokenize('a\ufeff\ufeffb').chunks).toEqual(['a', '\ufeff\ufeff', 'b']);
    const text = "I'm here  now\n\n  it's 2026!";
    const { chunks, starts } = pretokenize(text);
    expect(chunks).toEqual(['I', "'m", ' here', ' ', ' now', '\n\n ', ' it', "'s", ' 2026', '!']);
    expect(chunks.join('')).toBe(text);
    expect(chunks.map((c, i) => text.slice(starts[i], starts[i] + c.length))).toEqual(chunks);
  });
});
