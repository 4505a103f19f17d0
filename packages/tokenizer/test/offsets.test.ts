/** Offsets into the original string, word ids, and label alignment for token classification. */
import { describe, expect, it } from 'vitest';
import { alignLabelsWithTokens, GPT2Tokenizer } from '../src/index.js';
import { openaiReferenceLines } from './helpers.js';

const tok = GPT2Tokenizer.gpt2();

describe('offsets', () => {
  it("cover each token's characters, the leading space included (HF GPT-2)", () => {
    const e = tok.encodeWithOffsets('Hello world, naïve');
    expect(tok.convertIdsToTokens(e.ids)).toEqual(['Hello', 'Ġworld', ',', 'ĠnaÃ¯ve']);
    expect(e.offsets).toEqual([
      [0, 5],
      [5, 11],
      [11, 12],
      [12, 18],
    ]);
    expect(e.wordIds).toEqual([0, 1, 2, 3]);
  });

  it('trimOffsets leaves the spaces out (HF trim_offsets=True)', () => {
    const e = tok.encodeWithOffsets('Hello world  x', { trimOffsets: true });
    expect(tok.convertIdsToTokens(e.ids)).toEqual(['Hello', 'Ġworld', 'Ġ', 'Ġx']);
    expect(e.offsets).toEqual([
      [0, 5],
      [6, 11],
      [12, 12],
      [13, 14],
    ]);
  });

  it('tokens that split one character all get that whole character', () => {
    // 🤖 is 4 UTF-8 bytes and 2 UTF-16 units; GPT-2 cuts " 🤖" into 3 tokens.
    const text = 'a 🤖 b';
    const e = tok.encodeWithOffsets(text);
    expect(e.ids).toEqual([64, 12520, 97, 244, 275]);
    expect(e.offsets).toEqual([
      [0, 1],
      [1, 4],
      [2, 4],
      [2, 4],
      [4, 6],
    ]);
    expect(text.slice(2, 4)).toBe('🤖');
  });

  it('are consistent with the ids on thousands of real texts', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const problems: string[] = [];
    let checked = 0;
    for (const { text, ids } of openaiReferenceLines()) {
      const e = tok.encodeWithOffsets(text);
      if (JSON.stringify(e.ids) !== JSON.stringify(ids)) problems.push(`ids differ: ${text}`);
      let lastStart = 0;
      e.offsets.forEach(([s, end], k) => {
        if (s < lastStart || end < s || end > text.length) problems.push(`bad span ${s},${end} in ${text}`);
        lastStart = s;
        let piece: string | undefined;
        try {
          piece = decoder.decode(tok.tokenBytes(e.ids[k]));
        } catch {
          piece = undefined; // part of a character: covered by the test above
        }
        if (piece !== undefined) {
          if (text.slice(s, end) !== piece)
            problems.push(`${JSON.stringify(text.slice(s, end))} vs ${JSON.stringify(piece)}`);
          checked++;
        }
      });
      // The last token ends where the text ends.
      if (e.offsets.length > 0 && e.offsets.at(-1)![1] !== text.length) problems.push(`short: ${text}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(100_000);
  });

  it('are relative to the original text with addPrefixSpace', () => {
    const t = GPT2Tokenizer.gpt2();
    t.settings.addPrefixSpace = true;
    const e = t.encodeWithOffsets('Hello world');
    expect(e.ids).toEqual(tok.encode(' Hello world'));
    expect(e.offsets).toEqual([
      [0, 5],
      [5, 11],
    ]);
  });

  it('are returned per row by call, with (0, 0) for padding', () => {
    const b = tok.call(['Hi there', 'Hello, my name is'], { padding: true, returnOffsets: true });
    expect(b.offsets![0]).toEqual([
      [0, 2],
      [2, 8],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });
});

describe('pre-split words (isSplitIntoWords) and word ids', () => {
  it('tokenize each word with a leading space except the first, like the joined sentence', () => {
    const words = ['My', 'name', 'is', 'Holmes', ',', 'Sherlock', 'Holmes', '.'];
    const b = tok.call([words], { isSplitIntoWords: true });
    expect(b.inputIds[0]).toEqual(tok.encode(words.join(' ')));
    expect(b.wordIds![0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(b.attentionMask[0]).toEqual(Array(8).fill(1));
  });

  it('equal the joined sentence on real pre-split sentences, and index the words', () => {
    const lines = openaiReferenceLines().filter((l) => l.source.startsWith('ud-english-ewt'));
    const batch = lines.map((l) => l.text.split(' ').filter((w) => w.length > 0));
    const b = tok.call(batch, { isSplitIntoWords: true, returnOffsets: true });
    batch.forEach((words, i) => {
      expect(b.inputIds[i]).toEqual(tok.encode(words.join(' ')));
      const wordIds = b.wordIds![i];
      // Every word has tokens, in order; offsets are relative to the word (space excluded).
      expect(new Set(wordIds)).toEqual(new Set(words.map((_, k) => k)));
      wordIds.forEach((w, k) => {
        const [s, e] = b.offsets![i][k];
        expect(e).toBeLessThanOrEqual(words[w!].length);
        expect(s).toBeLessThanOrEqual(e);
      });
    });
  });

  it('a single string[] is one pre-split sequence; multi-token words share their id', () => {
    const b = tok.call(['Unbelievably', 'naïve', 'robots', '🤖'], {
      isSplitIntoWords: true,
      returnOffsets: true,
    });
    expect(b.inputIds).toHaveLength(1);
    // Byte-level token strings: "ï" is the two bytes Ã¯, the robot four bytes over three tokens.
    const tokens = ['Un', 'bel', 'iev', 'ably', 'ĠnaÃ¯ve', 'Ġrobots', 'ĠðŁ', '¤', 'ĸ'];
    expect(tok.convertIdsToTokens(b.inputIds[0])).toEqual(tokens);
    expect(b.wordIds![0]).toEqual([0, 0, 0, 0, 1, 2, 3, 3, 3]);
    expect(b.offsets![0]).toEqual([
      [0, 2],
      [2, 5],
      [5, 8],
      [8, 12],
      [0, 5],
      [0, 6],
      [0, 2],
      [0, 2],
      [0, 2],
    ]);
  });

  it('with addPrefixSpace the first word gets a space too (what HF does)', () => {
    const t = GPT2Tokenizer.gpt2();
    t.settings.addPrefixSpace = true;
    const b = t.call([['Hello', 'world']], { isSplitIntoWords: true });
    expect(b.inputIds[0]).toEqual(tok.encode(' Hello world'));
  });

  it('padding gives null word ids', () => {
    const b = tok.call(
      [
        ['a', 'b', 'c'],
        ['d', 'e'],
      ],
      { isSplitIntoWords: true, padding: true, paddingSide: 'left' },
    );
    expect(b.wordIds).toEqual([
      [0, 1, 2],
      [null, 0, 1],
    ]);
  });
});

describe('alignLabelsWithTokens', () => {
  it('labels the first token of each word and ignores the rest and padding', () => {
    const words = ['Unbelievably', 'Holmes', 'said'];
    const b = tok.call([words, ['x']], { isSplitIntoWords: true, padding: true });
    const labels = [0, 1, 0];
    const wordIds = b.wordIds![0];
    expect(wordIds).toEqual([0, 0, 0, 0, 1, 2]);
    expect(alignLabelsWithTokens(wordIds, labels)).toEqual([0, -100, -100, -100, 1, 0]);
    expect(
      alignLabelsWithTokens(wordIds, [3, 1, 0], { labelAllTokens: true, continuationLabel: (l) => l + 1 }),
    ).toEqual([3, 4, 4, 4, 1, 0]);
    expect(alignLabelsWithTokens(b.wordIds![1], [2])).toEqual([2, -100, -100, -100, -100, -100]);
    expect(() => alignLabelsWithTokens(wordIds, [0])).toThrow(/word id 1 has no label/);
  });
});
