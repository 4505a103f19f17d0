/** Special tokens are explicit; added tokens are matched before BPE, longest first. */
import { describe, expect, it } from 'vitest';
import { GPT2Tokenizer } from '../src/index.js';

const EOT = '<|endoftext|>';

describe('special tokens in text', () => {
  const tok = GPT2Tokenizer.gpt2();

  it('are plain text by default (HF split_special_tokens=True / tiktoken disallowed_special=())', () => {
    const ids = tok.encode(`a${EOT}b`);
    expect(ids).not.toContain(50256);
    expect(ids).toEqual([64, 27, 91, 437, 1659, 5239, 91, 29, 65]);
    expect(tok.decode(ids)).toBe(`a${EOT}b`);
  });

  it("become the special token when allowed: 'all', a Set, or a list (both engines)", () => {
    for (const t of [tok, GPT2Tokenizer.gpt2({ engine: 'gpt-tokenizer' })]) {
      for (const allowedSpecial of ['all', new Set([EOT]), [EOT]] as const) {
        expect(t.encode(`a${EOT}b`, { allowedSpecial })).toEqual([64, 50256, 65]);
      }
    }
    expect(tok.encode(`${EOT}${EOT} x${EOT}`, { allowedSpecial: 'all' })).toEqual([
      50256, 50256, 2124, 50256,
    ]);
    expect(tok.encode(`a${EOT}b`, { allowedSpecial: 'none' })).toEqual(tok.encode(`a${EOT}b`));
  });

  it('naming something that is not a special token is an error', () => {
    expect(() => tok.encode('x', { allowedSpecial: ['<|im_start|>'] })).toThrow(/not a special token/);
  });

  it('skipSpecialTokens drops them when decoding', () => {
    const ids = tok.encode(`Hi${EOT}there`, { allowedSpecial: 'all' });
    expect(tok.decode(ids)).toBe(`Hi${EOT}there`);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('Hithere');
  });
});

describe('added tokens', () => {
  it('addTokens/addSpecialTokens return how many ids were created and grow vocabSize', () => {
    const tok = GPT2Tokenizer.gpt2();
    expect(tok.vocabSize).toBe(50257);
    expect(tok.length).toBe(50257);
    expect(tok.addSpecialTokens({ additionalSpecialTokens: ['<|im_start|>', '<|im_end|>'] })).toBe(2);
    expect(tok.vocabSize).toBe(50259);
    expect(tok.baseVocabSize).toBe(50257);
    expect(tok.tokenToId('<|im_start|>')).toBe(50257);
    expect(tok.tokenToId('<|im_end|>')).toBe(50258);
    expect(tok.additionalSpecialTokens).toEqual(['<|im_start|>', '<|im_end|>']);
    // Already present: nothing new.
    expect(tok.addSpecialTokens({ additionalSpecialTokens: ['<|im_start|>'] }, false)).toBe(0);
    expect(tok.addTokens(EOT)).toBe(0);
    // A word of the vocabulary keeps its id.
    expect(tok.addTokens('hello')).toBe(0);
    expect(tok.tokenToId('hello')).toBe(31373);
    expect(tok.addTokens(['<pad>', { content: 'gptft', special: false }])).toBe(2);
    expect(tok.vocabSize).toBe(50261);
    expect(tok.addSpecialTokens({ padToken: '<pad>' })).toBe(0);
    expect(tok.padToken).toBe('<pad>');
    expect(tok.padTokenId).toBe(50259);
    expect(tok.allSpecialTokens).toEqual([EOT, '<|im_start|>', '<|im_end|>', '<pad>']);
  });

  it('special added tokens follow allowedSpecial; non-special ones are always matched', () => {
    const tok = GPT2Tokenizer.gpt2();
    tok.addSpecialTokens({ additionalSpecialTokens: ['<|im_start|>'] });
    tok.addTokens(['gptft']);
    const text = '<|im_start|>user\nI like gptft!';
    const plain = tok.encode(text);
    expect(plain).not.toContain(50257);
    expect(plain).toContain(50258);
    const chat = tok.encode(text, { allowedSpecial: 'all' });
    expect(chat[0]).toBe(50257);
    expect(chat).toEqual([50257, ...tok.encode('user\nI like '), 50258, 0]);
    expect(tok.decode(chat)).toBe(text);
    expect(tok.decode(chat, { skipSpecialTokens: true })).toBe('user\nI like gptft!');
  });

  it('longest match first at a position, earliest position first', () => {
    const tok = GPT2Tokenizer.gpt2();
    tok.addTokens(['<a>', '<a><b>', 'b>']);
    const a = tok.tokenToId('<a>')!;
    const ab = tok.tokenToId('<a><b>')!;
    const b = tok.tokenToId('b>')!;
    expect(tok.encode('<a><b>')).toEqual([ab]);
    expect(tok.encode('<a><a><b>')).toEqual([a, ab]);
    expect(tok.encode('x<b>')).toEqual([...tok.encode('x<'), b]);
  });

  it('lstrip / rstrip swallow neighbouring whitespace; singleWord only matches whole words', () => {
    const tok = GPT2Tokenizer.gpt2();
    tok.addTokens([
      { content: '<mask>', lstrip: true, rstrip: true },
      { content: 'ing', singleWord: true },
    ]);
    const mask = tok.tokenToId('<mask>')!;
    const ing = tok.tokenToId('ing')!;
    expect(tok.encode('a  <mask>  b')).toEqual([64, mask, 65]);
    const enc = tok.encodeWithOffsets('a  <mask>  b');
    expect(enc.offsets[1]).toEqual([3, 9]);
    expect(tok.encode('sing ing')).toEqual([...tok.encode('sing '), ing]);
    expect(tok.encode('sing')).not.toContain(ing);
  });

  it('setting a pad token that does not exist is an error that says how to add it', () => {
    const tok = GPT2Tokenizer.gpt2();
    expect(() => {
      tok.padToken = '<nope>';
    }).toThrow(/addSpecialTokens/);
    tok.padToken = tok.eosToken;
    expect(tok.padTokenId).toBe(50256);
  });

  it('unknown ids fail clearly when decoding', () => {
    const tok = GPT2Tokenizer.gpt2();
    expect(() => tok.decode([50257])).toThrow(/token id 50257 is not in the vocabulary/);
    expect(() => tok.decode([-1])).toThrow(/not in the vocabulary/);
  });
});
