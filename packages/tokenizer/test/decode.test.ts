/** decode, tokenize and engine choice. */
import { describe, expect, it } from 'vitest';
import { GPT2Tokenizer } from '../src/index.js';

const tok = GPT2Tokenizer.gpt2();

describe('decode', () => {
  it('keeps the text exactly by default; cleanUpTokenizationSpaces is HF clean_up_tokenization', () => {
    const text = "Hello , world ! I 'm here , are n't you ?";
    const ids = tok.encode(text);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.decode(ids, { cleanUpTokenizationSpaces: true })).toBe("Hello, world! I'm here, aren't you?");
  });

  it('turns bytes that are not UTF-8 into U+FFFD (Python errors="replace")', () => {
    // 12520 is the first two bytes of 🤖 (F0 9F); alone they are an incomplete sequence.
    expect(tok.decode([12520])).toBe(' \ufffd');
    expect(tok.decode([12520, 97, 244])).toBe(' 🤖');
  });

  it('keeps a leading byte-order mark', () => {
    expect(tok.decode(tok.encode('\ufeffx'))).toBe('\ufeffx');
  });
});

describe('tokens', () => {
  it('tokenize gives byte-level token strings; ids and tokens convert both ways', () => {
    expect(tok.tokenize('Hello world\n')).toEqual(['Hello', 'Ġworld', 'Ċ']);
    expect(tok.convertTokensToIds(['Hello', 'Ġworld', '<|endoftext|>'])).toEqual([15496, 995, 50256]);
    expect(tok.convertTokensToIds(['not-a-token'])).toEqual([50256]); // unk is <|endoftext|>
    expect(tok.getVocab().get('Ġworld')).toBe(995);
    expect(tok.getVocab().size).toBe(50257);
  });
});

describe('engines', () => {
  it("'gpt-tokenizer' refuses a vocabulary that is not GPT-2's", () => {
    const data = tok.toData();
    const vocab = new Map(data.vocab);
    vocab.set('Ġworld', 1);
    vocab.set('"', 995);
    expect(
      () => new GPT2Tokenizer({ ...data, vocab, isGpt2: undefined }, { engine: 'gpt-tokenizer' }),
    ).toThrow(/GPT-2's vocabulary only/);
  });
});
