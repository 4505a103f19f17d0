/** Streaming decode never splits a character. */
import { describe, expect, it } from 'vitest';
import { GPT2Tokenizer } from '../src/index.js';
import { openaiReferenceLines } from './helpers.js';

const tok = GPT2Tokenizer.gpt2();

describe('StreamDecoder', () => {
  it('returns only complete characters, one id at a time', () => {
    const text = 'Robots 🤖 and 日本語, naïve café — 👩‍👩‍👧‍👦!';
    const ids = tok.encode(text);
    const stream = tok.createStreamDecoder();
    const pieces = ids.map((id) => stream.push(id));
    pieces.push(stream.flush());
    expect(pieces.join('')).toBe(text);
    expect(stream.text).toBe(text);
    // " 🤖" is 3 tokens: the space comes out at once, the robot only with its last byte.
    const robot = tok.encode(' 🤖');
    const s2 = tok.createStreamDecoder();
    expect(robot.map((id) => s2.push(id))).toEqual([' ', '', '🤖']);
    for (const p of pieces) {
      expect(p).not.toContain('\ufffd');
      // No lone surrogate: every piece is well-formed UTF-16.
      expect(p).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  it('equals decode() on thousands of texts fed id by id', () => {
    const bad: string[] = [];
    for (const { text, ids } of openaiReferenceLines()) {
      const stream = tok.createStreamDecoder();
      let out = '';
      for (const id of ids) {
        const piece = stream.push(id);
        if (piece.includes('\ufffd') && !text.includes('\ufffd')) bad.push(text);
        out += piece;
      }
      out += stream.flush();
      if (out !== text) bad.push(text);
    }
    expect(bad).toEqual([]);
  });

  it('skips special tokens when asked and accepts several ids at once', () => {
    const ids = tok.encode('a<|endoftext|>b', { allowedSpecial: 'all' });
    const stream = tok.createStreamDecoder({ skipSpecialTokens: true });
    expect(stream.push(ids) + stream.flush()).toBe('ab');
  });

  it('turns an unfinished character into U+FFFD only at flush', () => {
    const stream = tok.createStreamDecoder();
    expect(stream.push(tok.encode(' 🤖').slice(0, 2))).toBe(' ');
    expect(stream.flush()).toBe('\ufffd');
    // After a flush the decoder starts afresh.
    expect(stream.push(tok.encode('ok'))).toBe('ok');
  });
});
