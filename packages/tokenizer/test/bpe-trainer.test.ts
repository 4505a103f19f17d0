/**
 * BPE training against an independent reference: test/reference/bpe_train.py (classic byte-level
 * BPE in plain Python, pair counts recomputed at every step) produced the vocab.json/merges.txt
 * in test/fixtures/bpe-reference/ — see that script's docstring for the exact commands.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRepoData } from '@gptft/tooling/test-data';
import { describe, expect, it } from 'vitest';
import { GPT2Tokenizer, parseMerges, parseVocab, trainBpeMerges, trainByteLevelBpe } from '../src/index.js';
import { FIXTURES, openaiReferenceLines } from './helpers.js';

// tiny-shakespeare (public domain), in the repository as test-data/tiny-shakespeare (gzipped).
const SHAKESPEARE = 'tiny-shakespeare/input.txt.gz';

/** Lines keeping their "\n", as the reference (and `tokenizers` reading files) splits a corpus. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function reference(name: string) {
  const dir = join(FIXTURES, 'bpe-reference', name);
  return {
    vocab: parseVocab('vocab.json', readFileSync(join(dir, 'vocab.json'), 'utf8')),
    merges: parseMerges('merges.txt', readFileSync(join(dir, 'merges.txt'), 'utf8')),
  };
}

describe('trainBpeMerges: toy corpora (hand-checked)', () => {
  it('merges the most frequent pair; ties go to the smaller (left id, right id)', async () => {
    // Chunks "abab" and " cdcd" (Ġcdcd): pairs ab:2, ba:1, Ġc:1, cd:2, dc:1. (a,b) and (c,d)
    // tie at 2; a's id is smaller, so a+b comes first.
    const { merges } = await trainBpeMerges(['abab cdcd'], {
      vocabSize: 1000,
      minFrequency: 1,
      specialTokens: [],
    });
    expect(merges.slice(0, 2)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('counts overlapping pairs and merges left to right without overlap ("aaa")', async () => {
    const { merges } = await trainBpeMerges(['aaa'], { vocabSize: 1000, minFrequency: 1, specialTokens: [] });
    // a a a: (a,a) counts 2 → "aa"; the word is then [aa, a] → (aa, a) → "aaa".
    expect(merges).toEqual([
      ['a', 'a'],
      ['aa', 'a'],
    ]);
  });

  it('stops at vocabSize, at minFrequency, and when no pair is left', async () => {
    const texts = ['low lower lowest', 'low low'];
    const small = await trainBpeMerges(texts, { vocabSize: 258, minFrequency: 1, specialTokens: [] });
    expect(small.vocab.size).toBe(258);
    expect(small.merges).toHaveLength(2);
    // Words: low ×2, Ġlow ×1, Ġlower, Ġlowest. l+o: 5, o+w: 5 → "lo", then "low": 5; Ġ+low: 3;
    // every other pair occurs at most twice.
    const freq = await trainBpeMerges(texts, { vocabSize: 1000, minFrequency: 3, specialTokens: [] });
    expect(freq.merges).toEqual([
      ['l', 'o'],
      ['lo', 'w'],
      ['Ġ', 'low'],
    ]);
    const all = await trainBpeMerges(['ab'], { vocabSize: 1000, minFrequency: 1, specialTokens: [] });
    expect(all.merges).toEqual([['a', 'b']]);
  });

  it('puts special tokens first, then the 256 bytes in code-point order (GPT-2 order)', async () => {
    const { vocab } = await trainBpeMerges(['hi'], {
      vocabSize: 260,
      specialTokens: ['<|endoftext|>', '<pad>'],
    });
    expect(vocab.get('<|endoftext|>')).toBe(0);
    expect(vocab.get('<pad>')).toBe(1);
    expect(vocab.get('!')).toBe(2);
    expect(vocab.get('Ā')).toBe(2 + 188); // byte 0: GPT-2's id 188
    expect(vocab.get('Ġ')).toBe(2 + 220); // space: GPT-2's id 220
    const gpt2 = GPT2Tokenizer.gpt2();
    for (const [token, id] of vocab) if (id >= 2 && id < 258) expect(gpt2.tokenToId(token)).toBe(id - 2);
  });

  it('rejects bad options and non-string texts, naming them', async () => {
    await expect(trainBpeMerges(['a'], { vocabSize: 0 })).rejects.toThrow(/vocabSize/);
    await expect(trainBpeMerges(['a'], { vocabSize: 300, minFrequency: -1 })).rejects.toThrow(/minFrequency/);
    await expect(trainBpeMerges(['a', 3 as unknown as string], { vocabSize: 300 })).rejects.toThrow(/text 1/);
  });
});

describe('trainBpeMerges = the Python reference', () => {
  it('2 848 texts in many scripts (OpenAI reference lines), vocab 1500', async () => {
    const texts = openaiReferenceLines().map((l) => l.text);
    const ref = reference('openai-lines-1500');
    const got = await trainBpeMerges(texts, { vocabSize: 1500, minFrequency: 2 });
    expect(got.merges.length).toBe(ref.merges.length);
    expect(got.merges).toEqual(ref.merges);
    expect(Object.fromEntries(got.vocab)).toEqual(Object.fromEntries(ref.vocab));
  });

  it('tiny-shakespeare (1.1 MB, 40 000 lines), vocab 2000, from an async iterable', async () => {
    const text = readRepoData(SHAKESPEARE);
    const ref = reference('shakespeare-2000');
    async function* stream() {
      for (const l of lines(text)) yield l;
    }
    const t0 = performance.now();
    const got = await trainBpeMerges(stream(), { vocabSize: 2000, minFrequency: 2 });
    const seconds = (performance.now() - t0) / 1000;
    expect(got.merges).toEqual(ref.merges);
    expect(Object.fromEntries(got.vocab)).toEqual(Object.fromEntries(ref.vocab));
    expect(seconds).toBeLessThan(20); // a few seconds on an idle machine; generous for load
  });
});

describe('trainByteLevelBpe: a usable GPT2Tokenizer', () => {
  it('round-trips text exactly, saves an HF folder and loads it back identically', async () => {
    const texts = openaiReferenceLines().map((l) => l.text);
    const tok = await trainByteLevelBpe(texts, {
      vocabSize: 1200,
      specialTokens: ['<|endoftext|>', '<|pad|>'],
    });
    expect(tok.vocabSize).toBe(1200);
    expect(tok.eosToken).toBe('<|endoftext|>');
    expect(tok.eosTokenId).toBe(0);
    expect(tok.additionalSpecialTokens).toEqual(['<|pad|>']);
    for (const t of texts) expect(tok.decode(tok.encode(t))).toBe(t);
    // Merged tokens make text shorter than its bytes.
    const sample = texts.slice(0, 200).join('');
    expect(tok.encode(sample).length).toBeLessThan(new TextEncoder().encode(sample).length * 0.7);
    expect(tok.encode('a<|endoftext|>b', { allowedSpecial: 'all' })).toContain(0);

    const dir = await mkdtemp(join(tmpdir(), 'gptft-bpe-train-'));
    try {
      await tok.savePretrained(dir);
      const merges = await readFile(join(dir, 'merges.txt'), 'utf8');
      expect(merges.startsWith('#version: 0.2\n')).toBe(true);
      const config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
      expect(config.tokenizer_class).toBe('GPT2Tokenizer');
      expect(config.eos_token).toBe('<|endoftext|>');
      expect(config.added_tokens_decoder['1'].content).toBe('<|pad|>');
      const back = await GPT2Tokenizer.fromPretrained(dir);
      expect(back.vocabSize).toBe(1200);
      for (const t of texts.slice(0, 300)) expect(back.encode(t)).toEqual(tok.encode(t));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
