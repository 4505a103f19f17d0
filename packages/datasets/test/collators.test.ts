import { describe, expect, it } from 'vitest';
import {
  alignLabelsWithTokens,
  attentionAllowed,
  type Batch,
  beginToInsideIds,
  buildLabelMap,
  causalLMCollator,
  labelMapFromNames,
  Packer,
  packExamples,
  sequenceClassificationCollator,
  type TokenizerLike,
  tokenClassificationCollator,
  tokenizeAndAlignLabels,
  tokenizeWords,
} from '../src/index.js';

// Every expected array below was worked out by hand from the inputs written next to it.
const EOS = 50256;
const plain = (b: Batch) => ({
  shape: b.shape,
  inputIds: [...b.inputIds],
  attentionMask: [...b.attentionMask],
  labels: [...b.labels],
  labelsShape: b.labelsShape,
  positionIds: b.positionIds && [...b.positionIds],
  documentIds: b.documentIds && [...b.documentIds],
  numTokens: b.numTokens,
});

describe('causalLMCollator', () => {
  const a = { inputIds: [5, 6, EOS] };
  const b = { inputIds: [7, 8] };

  it('pads right with the pad id, masks padding in labels; real EOS keeps its label even when pad = eos', () => {
    const batch = causalLMCollator({ padTokenId: EOS })([a, b]);
    expect(batch.inputIds).toBeInstanceOf(Int32Array);
    expect(plain(batch)).toEqual({
      shape: [2, 3],
      inputIds: [5, 6, EOS, 7, 8, EOS],
      attentionMask: [1, 1, 1, 1, 1, 0],
      labels: [5, 6, EOS, 7, 8, -100],
      labelsShape: [2, 3],
      positionIds: undefined,
      documentIds: undefined,
      numTokens: 5,
    });
  });

  it('pads left, with positions counting real tokens only', () => {
    const batch = causalLMCollator({ padTokenId: 0, paddingSide: 'left' })([a, b]);
    expect(plain(batch)).toEqual({
      shape: [2, 3],
      inputIds: [5, 6, EOS, 0, 7, 8],
      attentionMask: [1, 1, 1, 0, 1, 1],
      labels: [5, 6, EOS, -100, 7, 8],
      labelsShape: [2, 3],
      positionIds: [0, 1, 2, 0, 0, 1],
      documentIds: undefined,
      numTokens: 5,
    });
  });

  it('keeps pre-set labels (SFT masks), pads them with -100; padToMultipleOf and maxLength', () => {
    const sft = { inputIds: [5, 6, EOS], labels: [-100, 6, EOS] };
    const batch = causalLMCollator({ padTokenId: 0, padToMultipleOf: 4 })([sft, b]);
    expect(plain(batch)).toMatchObject({
      shape: [2, 4],
      inputIds: [5, 6, EOS, 0, 7, 8, 0, 0],
      attentionMask: [1, 1, 1, 0, 1, 1, 0, 0],
      labels: [-100, 6, EOS, -100, 7, 8, -100, -100],
    });
    expect(causalLMCollator({ padTokenId: 0, maxLength: 5 })([b]).shape).toEqual([1, 5]);
    expect(() => causalLMCollator({ padTokenId: 0, maxLength: 2 })([a, b])).toThrow(
      'causalLMCollator: example 0 has 3 tokens, more than maxLength 2; truncate when tokenizing',
    );
  });

  it('honours an example attention mask and rejects bad input', () => {
    const batch = causalLMCollator({ padTokenId: 0 })([{ inputIds: [1, 2, 3], attentionMask: [1, 0, 1] }]);
    expect([...batch.labels]).toEqual([1, -100, 3]);
    expect(batch.numTokens).toBe(2);
    const collate = causalLMCollator({ padTokenId: 0 });
    expect(() => collate([{ inputIds: [1, 2], labels: [1] }])).toThrow(
      'causalLMCollator: example 0: labels has 1 entries but inputIds has 2',
    );
    expect(() => collate([{ inputIds: [1, 2.5] }])).toThrow(
      'causalLMCollator: example 0: inputIds[1] must be a token id, got 2.5',
    );
    expect(() => collate([])).toThrow('causalLMCollator: cannot collate an empty list of examples');
    expect(() => causalLMCollator({ padTokenId: undefined as unknown as number })).toThrow(
      /GPT-2 has no pad token/,
    );
  });
});

describe('sequenceClassificationCollator', () => {
  it('pads and gives one label per example, mapping names through label2id', () => {
    const collate = sequenceClassificationCollator({ padTokenId: 0, label2id: { neg: 0, pos: 1 } });
    const batch = collate([
      { inputIds: [1, 2, 3], label: 'pos' },
      { inputIds: [4], label: 'neg' },
      { inputIds: [5, 6], label: 1 },
    ]);
    expect(plain(batch)).toEqual({
      shape: [3, 3],
      inputIds: [1, 2, 3, 4, 0, 0, 5, 6, 0],
      attentionMask: [1, 1, 1, 1, 0, 0, 1, 1, 0],
      labels: [1, 0, 1],
      labelsShape: [3],
      positionIds: undefined,
      documentIds: undefined,
      numTokens: 6,
    });
    expect(() => collate([{ inputIds: [1], label: 'meh' }])).toThrow(
      'sequenceClassificationCollator: example 0: label "meh" is not in label2id (neg, pos)',
    );
  });
});

describe('token classification', () => {
  it('the collator pads labels with -100 on the padding side', () => {
    const ex = [
      { inputIds: [10, 11, 12], labels: [3, -100, 1] },
      { inputIds: [13], labels: [0] },
    ];
    expect(plain(tokenClassificationCollator({ padTokenId: 0 })(ex))).toMatchObject({
      inputIds: [10, 11, 12, 13, 0, 0],
      attentionMask: [1, 1, 1, 1, 0, 0],
      labels: [3, -100, 1, 0, -100, -100],
      labelsShape: [2, 3],
    });
    expect(plain(tokenClassificationCollator({ padTokenId: 0, paddingSide: 'left' })(ex))).toMatchObject({
      inputIds: [10, 11, 12, 0, 0, 13],
      labels: [3, -100, 1, -100, -100, 0],
    });
  });

  // A toy tokenizer with a fixed vocabulary and greedy longest match, so sub-token splits are
  // known by hand: " visited" → " vis" + "ited", " York" → " Yo" + "rk".
  const vocab: Record<string, number> = {
    ' Alice': 1,
    ' vis': 2,
    ited: 3,
    ' Paris': 4,
    ' .': 5,
    ' New': 6,
    ' Yo': 7,
    rk: 8,
    Alice: 9,
  };
  const toy: TokenizerLike = {
    encode(text) {
      const ids: number[] = [];
      let i = 0;
      while (i < text.length) {
        const piece = Object.keys(vocab)
          .filter((p) => text.startsWith(p, i))
          .sort((x, y) => y.length - x.length)[0];
        if (!piece) throw new Error(`toy tokenizer: no token at ${JSON.stringify(text.slice(i))}`);
        ids.push(vocab[piece]);
        i += piece.length;
      }
      return ids;
    },
  };

  it('tokenizeWords gives word ids; every word gets a prefix space unless addPrefixSpace is false', () => {
    expect(tokenizeWords(toy, ['Alice', 'visited', 'Paris', '.'])).toEqual({
      inputIds: [1, 2, 3, 4, 5],
      wordIds: [0, 1, 1, 2, 3],
    });
    expect(tokenizeWords(toy, ['Alice', 'visited'], { addPrefixSpace: false })).toEqual({
      inputIds: [9, 2, 3],
      wordIds: [0, 1, 1],
    });
  });

  it('first sub-token of each word gets its label, the others and specials -100 (HF run_ner)', () => {
    expect(alignLabelsWithTokens([null, 0, 1, 1, 2, 3, null], [1, 2, 0, 2])).toEqual([
      -100, 1, 2, -100, 0, 2, -100,
    ]);
    const map = buildLabelMap([
      ['B-PER', 'O', 'B-LOC', 'O'],
      ['B-LOC', 'I-LOC'],
    ]);
    expect(map.labels).toEqual(['B-LOC', 'B-PER', 'I-LOC', 'O']);
    const ex = tokenizeAndAlignLabels(
      toy,
      { tokens: ['Alice', 'visited', 'New', 'York', '.'], tags: ['B-PER', 'O', 'B-LOC', 'I-LOC', 'O'] },
      { labels: map },
    );
    // tokens:      Alice  vis ited  New  Yo  rk  .
    // word ids:      0     1    1    2    3   3  4
    expect(ex).toEqual({
      inputIds: [1, 2, 3, 6, 7, 8, 5],
      wordIds: [0, 1, 1, 2, 3, 3, 4],
      labels: [1, 3, -100, 0, 2, -100, 3],
    });
    // label_all_tokens: later sub-tokens labelled too, B-X turned into I-X.
    const all = tokenizeAndAlignLabels(
      toy,
      { tokens: ['New', 'York'], tags: ['B-LOC', 'B-LOC'] },
      { labels: map, labelAllTokens: true },
    );
    expect(all.labels).toEqual([0, 0, 2]);
    expect(beginToInsideIds(map)).toEqual([2, 1, 2, 3]);
    expect(
      tokenizeAndAlignLabels(
        toy,
        { tokens: ['Alice', 'visited'], tags: ['O', 'O'] },
        { labels: map, maxLength: 2 },
      ),
    ).toEqual({
      inputIds: [1, 2],
      wordIds: [0, 1],
      labels: [3, 3],
    });
    expect(() =>
      tokenizeAndAlignLabels(toy, { tokens: ['Alice'], tags: ['B-ORG'] }, { labels: map }),
    ).toThrow('tags[0]: unknown label "B-ORG"');
  });

  it('label maps sort like HF (numbers numerically)', () => {
    expect(buildLabelMap([10, 2, 1, 2]).labels).toEqual(['1', '2', '10']);
    expect(buildLabelMap(['pos', 'neg', 'pos'])).toEqual({
      labels: ['neg', 'pos'],
      label2id: { neg: 0, pos: 1 },
      id2label: { 0: 'neg', 1: 'pos' },
    });
    expect(() => labelMapFromNames(['a', 'a'])).toThrow('duplicate label "a"');
  });
});

describe('packing', () => {
  const docs = [{ inputIds: [1, 2, 3] }, { inputIds: [4] }, { inputIds: [5, 6, 7, 8, 10] }];
  // Token stream with EOS (9) after each document: 1 2 3 9 | 4 9 5 6 | 7 8 10 9

  it('isolates documents: positions restart per document, document ids, first-token labels -100', () => {
    const blocks = [...packExamples(docs, { blockSize: 4, eosTokenId: 9 })];
    expect(blocks).toEqual([
      {
        inputIds: [1, 2, 3, 9],
        labels: [-100, 2, 3, 9],
        positionIds: [0, 1, 2, 3],
        documentIds: [0, 0, 0, 0],
      },
      {
        inputIds: [4, 9, 5, 6],
        labels: [-100, 9, -100, 6],
        positionIds: [0, 1, 0, 1],
        documentIds: [0, 0, 1, 1],
      },
      {
        inputIds: [7, 8, 10, 9],
        labels: [7, 8, 10, 9],
        positionIds: [0, 1, 2, 3],
        documentIds: [0, 0, 0, 0],
      },
    ]);
  });

  it('plain concatenation (HF group_texts + EOS) when not isolating', () => {
    expect([...packExamples(docs, { blockSize: 4, eosTokenId: 9, isolateDocuments: false })]).toEqual([
      { inputIds: [1, 2, 3, 9], labels: [1, 2, 3, 9] },
      { inputIds: [4, 9, 5, 6], labels: [4, 9, 5, 6] },
      { inputIds: [7, 8, 10, 9], labels: [7, 8, 10, 9] },
    ]);
    expect([...packExamples(docs, { blockSize: 5, eosTokenId: null, isolateDocuments: false })]).toEqual([
      { inputIds: [1, 2, 3, 4, 5], labels: [1, 2, 3, 4, 5] },
    ]);
  });

  it('drops or keeps the remainder; pre-set labels are packed along', () => {
    const packer = new Packer({ blockSize: 4, eosTokenId: 9 });
    const out = [...docs, { inputIds: [11] }].flatMap((d) => packer.add(d));
    expect(out).toHaveLength(3);
    expect(packer.finish()).toEqual([]);
    expect([packer.tokensPacked, packer.tokensDropped, packer.documentsSeen]).toEqual([12, 2, 4]);

    const kept = [
      ...packExamples(
        [{ inputIds: [4, 5, 6], labels: [-100, -100, 6] }, { inputIds: [] }, { inputIds: [11] }],
        {
          blockSize: 4,
          eosTokenId: 9,
          dropRemainder: false,
        },
      ),
    ];
    expect(kept).toEqual([
      {
        inputIds: [4, 5, 6, 9],
        labels: [-100, -100, 6, 9],
        positionIds: [0, 1, 2, 3],
        documentIds: [0, 0, 0, 0],
      },
      { inputIds: [11, 9], labels: [-100, 9], positionIds: [0, 1], documentIds: [0, 0] },
    ]);
  });

  it('collates packed blocks with their positions and document ids, and the mask they describe', () => {
    const blocks = [
      ...packExamples([...docs, { inputIds: [11] }], { blockSize: 4, eosTokenId: 9, dropRemainder: false }),
    ];
    const batch = causalLMCollator({ padTokenId: 0 })([blocks[1], blocks[3]]);
    expect(plain(batch)).toEqual({
      shape: [2, 4],
      inputIds: [4, 9, 5, 6, 11, 9, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 1, 0, 0],
      labels: [-100, 9, -100, 6, -100, 9, -100, -100],
      labelsShape: [2, 4],
      positionIds: [0, 1, 0, 1, 0, 1, 0, 0],
      documentIds: [0, 0, 1, 1, 0, 0, -1, -1],
      numTokens: 6,
    });
    // Row 0: tokens 0-1 are document 0, tokens 2-3 document 1: block-diagonal causal mask.
    // Row 1: two real tokens, then padding (which attends nothing).
    // biome-ignore format: one line per query token
    const expected = [
      1, 0, 0, 0,
      1, 1, 0, 0,
      0, 0, 1, 0,
      0, 0, 1, 1,

      1, 0, 0, 0,
      1, 1, 0, 0,
      0, 0, 0, 0,
      0, 0, 0, 0,
    ];
    expect([...attentionAllowed(batch)]).toEqual(expected);
  });
});
