import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregateEntities,
  GPT2ForSequenceClassification,
  GPT2ForTokenClassification,
  GPT2LMHeadModel,
  type GroupedEntity,
  gatherPreEntities,
  pipeline,
  type TokenEntity,
} from '../src/index.js';
import { expected, expectedArray, FIXTURES } from './helpers.js';

let tokenizer: GPT2Tokenizer;
beforeAll(async () => {
  await useBackend('wasm');
  tokenizer = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);
});

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};

describe("pipeline('text-classification')", () => {
  let model: GPT2ForSequenceClassification;
  beforeAll(async () => {
    model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
  });
  afterAll(() => model.dispose());

  it('labels and softmax scores of the PyTorch logits; topK', async () => {
    const classify = await pipeline('text-classification', model, tokenizer);
    const texts = (expected.seqcls as unknown as { texts: string[] }).texts;
    const want = await expectedArray('seqcls.logits');
    const names = ['negative', 'neutral', 'positive'];
    const all = await classify(texts, { topK: null });
    const top = await classify(texts);
    for (const [i, row] of all.entries()) {
      const p = softmax(Array.from(want.subarray(i * 3, i * 3 + 3)));
      const order = [0, 1, 2].sort((a, b) => p[b]! - p[a]!);
      expect(row.map((r) => r.label)).toEqual(order.map((j) => names[j]));
      for (const [k, r] of row.entries()) expect(r.score).toBeCloseTo(p[order[k]!]!, 4);
      expect(top[i]).toEqual([row[0]]);
    }
    expect((await classify(texts[0]!, { topK: 2 })).map((r) => r.label)).toEqual(
      all[0]!.slice(0, 2).map((r) => r.label),
    );
    // longer than the 128 positions: an error naming the fix, or cut with truncation
    const long = `${texts[0]} ${'word '.repeat(200)}`;
    await expect(classify(long)).rejects.toThrow(
      /more than the model's 128 positions \(pass truncation: true\)/,
    );
    expect(await classify(long, { truncation: true })).toHaveLength(1);
  });

  it('multi-label problem type gives sigmoid scores', async () => {
    const multi = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`, {
      problemType: 'multi_label_classification',
    });
    const classify = await pipeline('text-classification', multi, tokenizer, { topK: null });
    const texts = (expected.seqcls as unknown as { texts: string[] }).texts;
    const want = await expectedArray('seqcls.logits');
    const [row] = await classify([texts[1]!]);
    const sig = Array.from(want.subarray(3, 6)).map((x) => 1 / (1 + Math.exp(-x)));
    for (const r of row!) expect(r.score).toBeCloseTo(sig[multi.config.label2id![r.label]!]!, 4);
    multi.dispose();
  });
});

describe("pipeline('token-classification')", () => {
  // words of the tokcls fixture, whose GPT-2 tokens are one per word
  const sentences = (expected.tokcls as unknown as { words: string[][] }).words.map((w) => w.join(' '));
  let model: GPT2ForTokenClassification;
  beforeAll(async () => {
    model = await GPT2ForTokenClassification.fromPretrained(`${FIXTURES}tokcls`);
  });
  afterAll(() => model.dispose());

  it("'none' labels each token with the softmax of PyTorch's logits; 'simple' groups them", async () => {
    const ner = await pipeline('token-classification', model, tokenizer);
    expect(tokenizer.encode(sentences[0]!)).toEqual(expected.tokcls.input_ids[0]);
    const want = await expectedArray('tokcls.logits'); // [2, 5, 5]
    const labels = ['O', 'B-PER', 'I-PER', 'B-LOC', 'B-ORG'];
    const none = (await ner(sentences[0]!)) as TokenEntity[];
    const spans: Array<[number, number]> = [
      [0, 4],
      [4, 10],
      [10, 13],
      [13, 17],
      [17, 22],
    ];
    const tokens = ['John', 'Ġlives', 'Ġin', 'ĠNew', 'ĠYork'];
    const ref = spans.map((_, t) => softmax(Array.from(want.subarray(t * 5, t * 5 + 5))));
    const kept = ref
      .map((p, t) => ({ t, j: p.indexOf(Math.max(...p)) }))
      .filter(({ j }) => labels[j] !== 'O');
    expect(none.map((e) => e.index)).toEqual(kept.map(({ t }) => t));
    for (const [k, { t, j }] of kept.entries()) {
      const e = none[k]!;
      expect([e.entity, e.word, e.start, e.end]).toEqual([labels[j], tokens[t], ...spans[t]!]);
      expect(e.score).toBeCloseTo(ref[t]![j]!, 4);
    }
    // PyTorch's argmax labels are B-LOC B-LOC B-PER B-PER B-PER: every token begins an entity
    expect(none.map((e) => e.entity)).toEqual(['B-LOC', 'B-LOC', 'B-PER', 'B-PER', 'B-PER']);
    const simple = (await ner(sentences[0]!, { aggregationStrategy: 'simple' })) as GroupedEntity[];
    expect(simple.map((e) => [e.entity_group, e.word, e.start, e.end])).toEqual([
      ['LOC', 'John', 0, 4],
      ['LOC', ' lives', 4, 10],
      ['PER', ' in', 10, 13],
      ['PER', ' New', 13, 17],
      ['PER', ' York', 17, 22],
    ]);
    for (const [k, e] of simple.entries()) expect(e.score).toBeCloseTo(none[k]!.score, 6);
    // a text longer than the context is truncated to it (as transformers' pipeline)
    const longNer = (await ner(`${sentences[0]} ${'and so on '.repeat(60)}`)) as TokenEntity[];
    expect(Math.max(...longNer.map((e) => e.index))).toBeLessThan(128);
    // causal attention: the first five tokens are labelled as in the short text
    expect(longNer.slice(0, 5).map((e) => [e.entity, e.index])).toEqual(none.map((e) => [e.entity, e.index]));
    const batch = await ner(sentences, { aggregationStrategy: 'first' });
    expect(batch).toHaveLength(2);
    expect(batch[0]).toEqual(simple); // one token per word: first = simple
  });

  // "Hutchinson visited Zürich with Microsoft" tokenizes as
  // H|utch|inson| visited| Z|ü|rich| with| Microsoft — subwords: utch, inson, ü, rich
  const text = 'Hutchinson visited Zürich with Microsoft';
  const id2label = { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' };
  const probs = [
    [0.1, 0.7, 0.1, 0.05, 0.05], // H      B-PER .7
    [0.1, 0.1, 0.6, 0.1, 0.1], // utch   I-PER .6
    [0.05, 0.05, 0.1, 0.75, 0.05], // inson  B-LOC .75
    [0.9, 0.025, 0.025, 0.025, 0.025], // visited O
    [0.2, 0.1, 0.1, 0.5, 0.1], // Z      B-LOC .5
    [0.1, 0.1, 0.1, 0.1, 0.6], // ü      I-LOC .6
    [0.1, 0.05, 0.05, 0.1, 0.7], // rich   I-LOC .7
    [0.8, 0.05, 0.05, 0.05, 0.05], // with   O
    [0.3, 0.4, 0.1, 0.1, 0.1], // Microsoft B-PER .4
  ];
  const run = (strategy: 'none' | 'simple' | 'first' | 'average' | 'max') => {
    const enc = tokenizer.encodeWithOffsets(text);
    const logits = probs.flat().map(Math.log); // softmax(log p) = p
    const pre = gatherPreEntities(tokenizer, text, enc, logits, 5);
    return aggregateEntities(pre, id2label, strategy, (ids) => tokenizer.decode(ids));
  };
  const rounded = (es: Array<TokenEntity | GroupedEntity>) =>
    es.map((e) => ({ ...e, score: Math.round(e.score * 1e5) / 1e5 }));

  it('transformers’ aggregation strategies on crafted scores (expected values derived by hand)', () => {
    expect(tokenizer.encodeWithOffsets(text).ids).toHaveLength(9);
    expect(rounded(run('none'))).toEqual([
      { entity: 'B-PER', score: 0.7, index: 0, word: 'H', start: 0, end: 1 },
      { entity: 'I-PER', score: 0.6, index: 1, word: 'utch', start: 1, end: 5 },
      { entity: 'B-LOC', score: 0.75, index: 2, word: 'inson', start: 5, end: 10 },
      { entity: 'B-LOC', score: 0.5, index: 4, word: 'ĠZ', start: 18, end: 20 },
      { entity: 'I-LOC', score: 0.6, index: 5, word: 'Ã¼', start: 20, end: 21 },
      { entity: 'I-LOC', score: 0.7, index: 6, word: 'rich', start: 21, end: 25 },
      { entity: 'B-PER', score: 0.4, index: 8, word: 'ĠMicrosoft', start: 30, end: 40 },
    ]);
    // simple: B-PER I-PER | B-LOC | O | B-LOC I-LOC I-LOC | O | B-PER ; O groups dropped
    expect(rounded(run('simple'))).toEqual([
      { entity_group: 'PER', score: 0.65, word: 'Hutch', start: 0, end: 5 },
      { entity_group: 'LOC', score: 0.75, word: 'inson', start: 5, end: 10 },
      { entity_group: 'LOC', score: 0.6, word: ' Zürich', start: 18, end: 25 },
      { entity_group: 'PER', score: 0.4, word: ' Microsoft', start: 30, end: 40 },
    ]);
    // first: each word takes its first token's label
    expect(rounded(run('first'))).toEqual([
      { entity_group: 'PER', score: 0.7, word: 'Hutchinson', start: 0, end: 10 },
      { entity_group: 'LOC', score: 0.5, word: ' Zürich', start: 18, end: 25 },
      { entity_group: 'PER', score: 0.4, word: ' Microsoft', start: 30, end: 40 },
    ]);
    // max: the most confident token of the word decides (inson .75 → B-LOC; rich .7 → I-LOC)
    expect(rounded(run('max'))).toEqual([
      { entity_group: 'LOC', score: 0.75, word: 'Hutchinson', start: 0, end: 10 },
      { entity_group: 'LOC', score: 0.7, word: ' Zürich', start: 18, end: 25 },
      { entity_group: 'PER', score: 0.4, word: ' Microsoft', start: 30, end: 40 },
    ]);
    // average: Hutchinson's mean is [.0833, .2833, .2667, .3, .0667] → B-LOC .3;
    // Zürich's [.1333, .0833, .0833, .2333, .4667] → I-LOC .46667
    expect(rounded(run('average'))).toEqual([
      { entity_group: 'LOC', score: 0.3, word: 'Hutchinson', start: 0, end: 10 },
      { entity_group: 'LOC', score: 0.46667, word: ' Zürich', start: 18, end: 25 },
      { entity_group: 'PER', score: 0.4, word: ' Microsoft', start: 30, end: 40 },
    ]);
  });

  it('two B- tags in a row stay two entities; ignoreLabels', () => {
    const pre = [0, 1, 2].map((i) => ({
      token: `t${i}`,
      id: i,
      scores: [0, 1, 0],
      index: i,
      start: i * 2,
      end: i * 2 + 1,
      isSubword: false,
    }));
    const labels = { 0: 'O', 1: 'B-X', 2: 'I-X' };
    const dec = (ids: number[]) => ids.join('+');
    expect((aggregateEntities(pre, labels, 'simple', dec) as GroupedEntity[]).map((e) => e.word)).toEqual([
      '0',
      '1',
      '2',
    ]);
    expect(aggregateEntities(pre, labels, 'none', dec, ['B-X'])).toEqual([]);
  });
});

describe("pipeline('text-generation')", () => {
  it('generated_text is the prompt + PyTorch greedy text; stream gives the same text', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const generator = await pipeline('text-generation', model, tokenizer, {
      maxNewTokens: 20,
      eosTokenId: null,
    });
    const g = expected.greedy[0] as unknown as { prompt: string; greedy_text: string };
    expect(await generator(g.prompt)).toEqual([{ generated_text: g.prompt + g.greedy_text }]);
    expect(await generator([g.prompt], { returnFullText: false, maxNewTokens: 5 })).toEqual([
      [{ generated_text: tokenizer.decode(expected.greedy[0]!.greedy_ids.slice(0, 5)) }],
    ]);
    const pieces: string[] = [];
    for await (const p of generator.stream(g.prompt)) pieces.push(p);
    expect(pieces.join('')).toBe(g.greedy_text);
    await expect(pipeline('text-classification', model as never, tokenizer)).rejects.toThrow(
      /needs a GPT2ForSequenceClassification, got GPT2LMHeadModel/,
    );
    const before = tf.memory().numTensors;
    await generator(g.prompt, { maxNewTokens: 3 });
    expect(tf.memory().numTensors).toBe(before);
    generator.dispose();
  });
});
