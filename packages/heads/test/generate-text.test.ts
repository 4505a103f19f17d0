import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GPT2LMHeadModel,
  generate,
  generateStream,
  type LogitsProcessor,
  RepetitionPenaltyLogitsProcessor,
  StopStringCriteria,
  TextStreamer,
  TopKLogitsWarper,
  TopPLogitsWarper,
} from '../src/index.js';
import { expected, FIXTURES } from './helpers.js';

let model: GPT2LMHeadModel;
let tokenizer: GPT2Tokenizer;
const [g0, g1] = expected.greedy as [(typeof expected.greedy)[0], (typeof expected.greedy)[0]];
beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
  tokenizer = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(() => model.dispose());

/** Forces the generated ids to be `ids` (a test processor: lets the text path see chosen tokens). */
function forceIds(ids: number[], promptLength: number): LogitsProcessor {
  return {
    process(row, scores) {
      scores.fill(Number.NEGATIVE_INFINITY);
      scores[ids[row.length - promptLength]!] = 0;
      return scores;
    },
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const pieces: string[] = [];
  for await (const p of it) pieces.push(p);
  return pieces;
}

describe('generate with text', () => {
  it('a text prompt gives PyTorch greedy ids and text', () => {
    const [r] = generate(model, g0.prompt, { tokenizer, maxNewTokens: 20, eosTokenId: null });
    expect(r!.ids).toEqual(g0.greedy_ids);
    expect(r!.text).toBe((g0 as { greedy_text?: string }).greedy_text);
    expect(r!.sequence).toEqual([...g0.prompt_ids, ...g0.greedy_ids]);
    expect(r!.finishReason).toBe('length');
    expect(r!.prompt).toBe(g0.prompt);
  });

  it('batched text prompts are left-padded and each matches its PyTorch greedy ids', () => {
    const rs = generate(model, [g0.prompt, g1.prompt], { tokenizer, maxNewTokens: 8, eosTokenId: null });
    expect(rs[0]!.ids).toEqual(g0.greedy_ids.slice(0, 8));
    expect(rs[1]!.ids).toEqual(g1.greedy_ids.slice(0, 8));
    expect(rs[1]!.sequence).toEqual([...g1.prompt_ids, ...g1.greedy_ids.slice(0, 8)]); // no pad inside
    expect(rs[1]!.text).toBe(tokenizer.decode(g1.greedy_ids.slice(0, 8)));
  });

  it('eos ids finish rows (several ids), reported per row', () => {
    const rs = generate(model, [g0.prompt, g1.prompt], {
      tokenizer,
      maxNewTokens: 10,
      eosTokenId: [g0.greedy_ids[2]!, g1.greedy_ids[1]!],
    });
    expect(rs[0]!.ids).toEqual(g0.greedy_ids.slice(0, 3));
    expect(rs[1]!.ids).toEqual(g1.greedy_ids.slice(0, 2));
    expect(rs.map((r) => r.finishReason)).toEqual(['eos', 'eos']);
  });
});

describe('stop strings', () => {
  // greedy text of prompt 0: " Hutch| distraction|cair|inky| armour| armour|Far…" (| = token borders)
  it('stop in the middle of a token: the text ends right after the stop string', async () => {
    const [r] = generate(model, g0.prompt, {
      tokenizer,
      maxNewTokens: 20,
      eosTokenId: null,
      stopStrings: 'distrac',
    });
    expect(r!.text).toBe(' Hutch distrac');
    expect(r!.ids).toEqual(g0.greedy_ids.slice(0, 2)); // the token " distraction" completed it
    expect(r!.finishReason).toBe('stop_string');
    const pieces = await collect(
      generateStream(model, g0.prompt, {
        tokenizer,
        maxNewTokens: 20,
        eosTokenId: null,
        stopStrings: ['distrac'],
      }),
    );
    expect(pieces.join('')).toBe(' Hutch distrac'); // the overhang "tion" is never streamed
  });

  it('a stop string spanning tokens; the earliest of several wins; other rows go on', () => {
    const [r] = generate(model, g0.prompt, {
      tokenizer,
      maxNewTokens: 20,
      eosTokenId: null,
      stopStrings: ['armour', 'airin'],
    });
    expect(r!.text).toBe(' Hutch distractioncairin');
    expect(r!.ids).toEqual(g0.greedy_ids.slice(0, 4));
    const rs = generate(model, [g0.prompt, g1.prompt], {
      tokenizer,
      maxNewTokens: 6,
      eosTokenId: null,
      stopStrings: ['distrac'],
    });
    expect(rs[0]!.ids).toEqual(g0.greedy_ids.slice(0, 2));
    expect(rs[1]!.ids).toEqual(g1.greedy_ids.slice(0, 6));
    expect(rs.map((x) => x.finishReason)).toEqual(['stop_string', 'length']);
  });

  it('a stop string may begin in the prompt, not lie wholly inside it', () => {
    const [r] = generate(model, g0.prompt, {
      tokenizer,
      maxNewTokens: 5,
      eosTokenId: null,
      stopStrings: 'is Hut',
    });
    expect([r!.text, r!.ids, r!.finishReason]).toEqual([' Hut', g0.greedy_ids.slice(0, 1), 'stop_string']);
    const [n] = generate(model, g0.prompt, {
      tokenizer,
      maxNewTokens: 2,
      eosTokenId: null,
      stopStrings: 'my name',
    });
    expect(n!.finishReason).toBe('length');
  });

  it('StopStringCriteria.find only reports matches completed by new text', () => {
    const c = new StopStringCriteria(['ab', 'xyz']);
    expect(c.find('..ab..', 4)).toBeUndefined(); // "ab" ended before the new text
    expect(c.find('..ab', 4)).toBeUndefined(); // complete before the new text
    expect(c.find('..ab', 3)).toBe(4);
    expect(c.find('xyab', 1)).toBe(4);
    expect(() => new StopStringCriteria([''])).toThrow(/non-empty/);
    expect(() => generate(model, [g0.prompt_ids], { stopStrings: 'x' })).toThrow(
      /stopStrings needs a tokenizer/,
    );
  });
});

describe('streaming', () => {
  const text = ' naïve café 🤖 and 日本語!';
  const forced = () => tokenizer.encode(text);

  it('pieces never split a multi-byte character and join to the generated text', async () => {
    const ids = forced();
    const promptLength = g0.prompt_ids.length;
    const opts = {
      tokenizer,
      maxNewTokens: ids.length,
      eosTokenId: null,
      logitsProcessors: [forceIds(ids, promptLength)],
    };
    const pieces = await collect(generateStream(model, g0.prompt, opts));
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) {
      expect(p.includes('\uFFFD')).toBe(false);
      expect(LONE_SURROGATE.test(p)).toBe(false);
    }
    expect(pieces.length).toBeLessThan(ids.length); // 🤖's 3 tokens and the CJK bytes came out whole
    const [r] = generate(model, g0.prompt, opts);
    expect(r!.text).toBe(text);
    // a TextStreamer on the synchronous generate gives the same pieces
    const streamed: string[] = [];
    generate(model, g0.prompt, {
      ...opts,
      streamer: new TextStreamer(tokenizer, { skipPrompt: true, callback: (t) => streamed.push(t) }),
    });
    expect(streamed).toEqual(pieces);
  });

  it('a stop string inside a multi-byte sequence of tokens', async () => {
    const ids = forced();
    const opts = {
      tokenizer,
      maxNewTokens: ids.length,
      eosTokenId: null,
      stopStrings: '🤖',
      logitsProcessors: [forceIds(ids, g0.prompt_ids.length)],
    };
    const pieces = await collect(generateStream(model, g0.prompt, opts));
    expect(pieces.join('')).toBe(' naïve café 🤖');
  });

  it('abort stops promptly (consumer or timer) and leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const pieces: string[] = [];
    const run = async () => {
      for await (const p of generateStream(model, g0.prompt, {
        tokenizer,
        maxNewTokens: 60,
        eosTokenId: null,
        signal: controller.signal,
      })) {
        pieces.push(p);
        if (pieces.length === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toThrow(/abort/i);
    expect(pieces).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);

    const timed: string[] = [];
    const timer = new AbortController();
    setTimeout(() => timer.abort(), 30);
    const run2 = async () => {
      for await (const p of generateStream(model, g0.prompt, {
        tokenizer,
        maxNewTokens: 100,
        eosTokenId: null,
        signal: timer.signal,
      }))
        timed.push(p);
    };
    await expect(run2()).rejects.toThrow(/abort/i);
    expect(timed.length).toBeLessThan(100);
    expect(tf.memory().numTensors).toBe(before);

    // leaving the loop early frees the cache too; an aborted signal stops the synchronous generate
    for await (const _ of generateStream(model, g0.prompt, { tokenizer, maxNewTokens: 10, eosTokenId: null }))
      break;
    expect(() => generate(model, g0.prompt, { tokenizer, signal: AbortSignal.abort() })).toThrow(/abort/i);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('logits processors (hand-computed)', () => {
  it('repetition penalty, top-k and top-p', () => {
    const rp = new RepetitionPenaltyLogitsProcessor(2).process([0, 1, 0], Float32Array.from([2, -2, 1]));
    expect(Array.from(rp)).toEqual([1, -4, 1]);
    const k = new TopKLogitsWarper(2).process([], Float32Array.from([1, 3, 2, 0]));
    expect(Array.from(k)).toEqual([Number.NEGATIVE_INFINITY, 3, 2, Number.NEGATIVE_INFINITY]);
    // probabilities 0.2, 0.5, 0.3: top-p 0.7 keeps 0.5 and 0.3 (cumulative 0.8 ≥ 0.7)
    const p = new TopPLogitsWarper(0.7).process([], Float32Array.from([0.2, 0.5, 0.3].map(Math.log)));
    expect(p[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(p[1]).toBeCloseTo(Math.log(0.5), 6);
    expect(p[2]).toBeCloseTo(Math.log(0.3), 6);
    // top-p 0.5 keeps only the first
    const p2 = new TopPLogitsWarper(0.5).process([], Float32Array.from([0.2, 0.5, 0.3].map(Math.log)));
    expect(Array.from(p2).filter((x) => x > Number.NEGATIVE_INFINITY)).toHaveLength(1);
  });

  it('text generation keeps the tensor count flat', () => {
    generate(model, [g0.prompt, g1.prompt], { tokenizer, maxNewTokens: 3, stopStrings: 'zzz' });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++)
      generate(model, [g0.prompt, g1.prompt], { tokenizer, maxNewTokens: 3, stopStrings: 'zzz' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
