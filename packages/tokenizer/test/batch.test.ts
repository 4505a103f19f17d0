/** HF `tokenizer(texts, padding=…, truncation=…)` semantics. */
import { describe, expect, it } from 'vitest';
import { GPT2Tokenizer } from '../src/index.js';

const tok = GPT2Tokenizer.gpt2();
const hello = [15496, 11, 616, 1438, 318]; // "Hello, my name is"
const hi = tok.encode('Hi');

describe('call', () => {
  it('without padding returns ragged rows and all-ones masks', () => {
    const b = tok.call(['Hello, my name is', 'Hi']);
    expect(b.inputIds).toEqual([hello, hi]);
    expect(b.attentionMask).toEqual([[1, 1, 1, 1, 1], [1]]);
    expect(b.offsets).toBeUndefined();
    expect(b.wordIds).toBeUndefined();
  });

  it('a single string is a batch of one', () => {
    expect(tok.call('Hello, my name is').inputIds).toEqual([hello]);
  });

  it('pads to the longest row with eos (50256) on the right by default', () => {
    const b = tok.call(['Hello, my name is', 'Hi'], { padding: true });
    expect(b.inputIds).toEqual([hello, [...hi, 50256, 50256, 50256, 50256]]);
    expect(b.attentionMask).toEqual([
      [1, 1, 1, 1, 1],
      [1, 0, 0, 0, 0],
    ]);
    expect(tok.call(['Hello, my name is', 'Hi'], { padding: 'longest' })).toEqual(b);
  });

  it('pads on the left for generation', () => {
    const b = tok.call(['Hello, my name is', 'Hi'], { padding: true, paddingSide: 'left' });
    expect(b.inputIds[1]).toEqual([50256, 50256, 50256, 50256, ...hi]);
    expect(b.attentionMask[1]).toEqual([0, 0, 0, 0, 1]);
  });

  it("pads to maxLength with 'max_length' and rounds up with padToMultipleOf", () => {
    const b = tok.call(['Hi'], { padding: 'max_length', maxLength: 4 });
    expect(b.inputIds).toEqual([[...hi, 50256, 50256, 50256]]);
    const m = tok.call(['Hello, my name is'], { padding: true, padToMultipleOf: 8 });
    expect(m.inputIds[0]).toHaveLength(8);
    expect(m.attentionMask[0]).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('uses an explicit pad token when set', () => {
    const t = GPT2Tokenizer.gpt2();
    t.addSpecialTokens({ padToken: '<|pad|>' });
    expect(t.call(['Hello, my name is', 'Hi'], { padding: true }).inputIds[1].slice(1)).toEqual([
      50257, 50257, 50257, 50257,
    ]);
  });

  it('truncates on the right by default, on the left when asked', () => {
    expect(tok.call(['Hello, my name is'], { truncation: true, maxLength: 3 }).inputIds).toEqual([
      hello.slice(0, 3),
    ]);
    expect(
      tok.call(['Hello, my name is'], { truncation: true, maxLength: 3, truncationSide: 'left' }).inputIds,
    ).toEqual([hello.slice(2)]);
    // Without maxLength the model's limit applies (1024 for GPT-2).
    const long = 'word '.repeat(2000);
    expect(tok.call([long], { truncation: true }).inputIds[0]).toHaveLength(1024);
  });

  it('truncation and padding together give a rectangle; offsets and word ids follow', () => {
    const b = tok.call(['Hello, my name is', 'Hi'], {
      truncation: true,
      maxLength: 3,
      padding: 'max_length',
      returnOffsets: true,
      returnWordIds: true,
    });
    expect(b.inputIds).toEqual([hello.slice(0, 3), [...hi, 50256, 50256]]);
    expect(b.offsets).toEqual([
      [
        [0, 5],
        [5, 6],
        [6, 9], // " my": HF's GPT-2 keeps the leading space in the span
      ],
      [
        [0, 2],
        [0, 0],
        [0, 0],
      ],
    ]);
    expect(b.wordIds).toEqual([
      [0, 1, 2],
      [0, null, null],
    ]);
  });

  it('adds bos/eos when the tokenizer is configured to, inside the length limit', () => {
    const t = GPT2Tokenizer.gpt2();
    t.settings.addBosToken = true;
    t.settings.addEosToken = true;
    expect(t.encode('Hi')).toEqual([50256, ...hi, 50256]);
    expect(t.encode('Hi', { addSpecialTokens: false })).toEqual(hi);
    const b = t.call(['Hello, my name is'], { truncation: true, maxLength: 4, returnWordIds: true });
    expect(b.inputIds).toEqual([[50256, ...hello.slice(0, 2), 50256]]);
    expect(b.wordIds).toEqual([[null, 0, 1, null]]);
  });

  it('reports what is missing for truncation/padding without a length', async () => {
    const t = GPT2Tokenizer.gpt2();
    t.settings.modelMaxLength = undefined;
    expect(() => t.call(['x'], { truncation: true })).toThrow(/maxLength/);
    expect(() => t.call(['x'], { padding: 'max_length' })).toThrow(/maxLength/);
    expect(() => t.call([['a', 'b']] as unknown as string[])).toThrow(/isSplitIntoWords/);
  });

  it('batchDecode decodes every row', () => {
    const b = tok.call(['Hello, my name is', 'Hi'], { padding: true });
    expect(tok.batchDecode(b.inputIds, { skipSpecialTokens: true })).toEqual(['Hello, my name is', 'Hi']);
  });
});
