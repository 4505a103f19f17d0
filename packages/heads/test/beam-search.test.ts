// Beam search and numReturnSequences against transformers' algorithm run in PyTorch
// (test/reference/beam_reference.py → test/fixtures/beam-search.json).
import { readFileSync } from 'node:fs';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BeamHypotheses, type EarlyStopping, GPT2LMHeadModel, generate } from '../src/index.js';
import { FIXTURES } from './helpers.js';

interface Case {
  name: string;
  prompts: number[][];
  num_beams: number;
  max_new_tokens: number;
  eos: number[];
  length_penalty: number;
  early_stopping: EarlyStopping;
  num_return_sequences: number;
  repetition_penalty?: number;
  results: Array<Array<{ sequence: number[]; score: number; eos: boolean }>>;
}
const reference: { pad_token_id: number; cases: Case[] } = JSON.parse(
  readFileSync(new URL('./fixtures/beam-search.json', import.meta.url), 'utf8'),
);

let model: GPT2LMHeadModel;
let tokenizer: GPT2Tokenizer;
beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
  tokenizer = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(() => model.dispose());

const PAD = 50256;

/** A reference case's options under gptft's names. */
function beamOptions(c: Case) {
  return {
    numBeams: c.num_beams,
    maxNewTokens: c.max_new_tokens,
    eosTokenId: c.eos,
    padTokenId: PAD,
    lengthPenalty: c.length_penalty,
    earlyStopping: c.early_stopping,
    numReturnSequences: c.num_return_sequences,
    ...(c.repetition_penalty !== undefined && { repetitionPenalty: c.repetition_penalty }),
  };
}

/** Left-pads prompts of different lengths into one batch with its mask. */
function leftPad(prompts: number[][]): { ids: number[][]; mask: number[][] } {
  const w = Math.max(...prompts.map((p) => p.length));
  return {
    ids: prompts.map((p) => [...new Array<number>(w - p.length).fill(PAD), ...p]),
    mask: prompts.map((p) => [...new Array<number>(w - p.length).fill(0), ...p.map(() => 1)]),
  };
}

describe('beam search (transformers semantics, PyTorch reference)', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))(
    '%s: the rows transformers returns',
    (_name, c) => {
      const before = tf.memory().numTensors;
      const { ids, mask } = leftPad(c.prompts);
      const padded = c.prompts.length > 1 && c.prompts.some((p) => p.length !== ids[0]!.length);
      const rows = generate(model, ids, { ...beamOptions(c), ...(padded && { attentionMask: mask }) });
      // The reference ran each prompt alone: compare the generated part of each row (transformers
      // pads the batch's rows to one length; a prompt's own rows are padded the same way alone).
      const got = rows.map((r) => r.slice(ids[0]!.length));
      const want = c.results.flatMap((rs, p) => rs.map((r) => r.sequence.slice(c.prompts[p]!.length)));
      const trim = (r: number[]) => {
        const out = [...r];
        while (out.length > 0 && out.at(-1) === PAD) out.pop();
        return out;
      };
      expect(got.map(trim)).toEqual(want.map(trim));
      if (c.prompts.length === 1) expect(got).toEqual(want);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('text results carry the hypothesis score, eos finish and decoded text', () => {
    const c = reference.cases.find((x) => x.name === 'beams4-eos-lp2-early')!;
    const prompt = tokenizer.decode(c.prompts[0]!);
    const results = generate(model, prompt, { tokenizer, ...beamOptions(c) });
    expect(results).toHaveLength(4);
    for (const [k, r] of results.entries()) {
      const ref = c.results[0]![k]!;
      expect(r.score).toBeCloseTo(ref.score, 4);
      expect(r.finishReason).toBe(ref.eos ? 'eos' : 'length');
      expect(r.sequence.slice(0, c.prompts[0]!.length)).toEqual(c.prompts[0]);
      expect(r.text).toBe(tokenizer.decode(r.ids, { skipSpecialTokens: true }));
    }
  });

  it('BeamHypotheses keeps the n best and applies the three early-stopping rules', () => {
    const h = new BeamHypotheses(2, 1, false, 10);
    h.add([1, 2], -2, 2, undefined); // -1
    h.add([1, 3], -6, 2, undefined); // -3
    h.add([1, 4], -3, 2, undefined); // -1.5 replaces -3
    expect(h.beams.map((b) => b.score).sort()).toEqual([-1, -1.5]);
    expect(h.isDone(-4, 3, 1)).toBe(true); //  best possible -4/2 = -2 ≤ worst -1.5
    expect(h.isDone(-2, 3, 1)).toBe(false); // -1 > -1.5
    expect(new BeamHypotheses(2, 1, true, 10).isDone(0, 3, 1)).toBe(false); // not full yet
    // length penalty 2: 'never' bounds the open beams with max_length (-50 / 10² = -0.5 > -1: go on),
    // the heuristic with the current length (-50 / 2² = -12.5 ≤ -1: done)
    const never = new BeamHypotheses(1, 2, 'never', 11);
    const heuristic = new BeamHypotheses(1, 2, false, 11);
    for (const x of [never, heuristic]) x.add([1], -1, 1, undefined);
    expect(never.isDone(-50, 3, 1)).toBe(false);
    expect(heuristic.isDone(-50, 3, 1)).toBe(true);
  });

  it('rejects what transformers rejects', () => {
    const ids = [reference.cases[0]!.prompts[0]!];
    expect(() => generate(model, ids, { numBeams: 2, numReturnSequences: 3 })).toThrow(
      /numReturnSequences \(3\)/,
    );
    expect(() => generate(model, ids, { numReturnSequences: 2 })).toThrow(/needs doSample or numBeams/);
    expect(() => generate(model, ids, { numBeams: 2, doSample: true })).toThrow(/beam sampling/);
  });
});

describe('numReturnSequences with sampling', () => {
  it('n rows per prompt, equal to generate on the prompt repeated n times (one seeded RNG)', () => {
    const p = reference.cases[0]!.prompts[0]!;
    const opts = { doSample: true, seed: 7, maxNewTokens: 6, topK: 20, eosTokenId: null };
    const rows = generate(model, [p], { ...opts, numReturnSequences: 3 });
    expect(rows).toHaveLength(3);
    expect(rows).toEqual(generate(model, [p, p, p], opts));
    expect(new Set(rows.map((r) => r.join())).size).toBeGreaterThan(1);
    const texts = generate(model, ['Hello', 'Once upon a time'], {
      ...opts,
      tokenizer,
      numReturnSequences: 2,
    });
    expect(texts.map((t) => t.prompt)).toEqual(['Hello', 'Hello', 'Once upon a time', 'Once upon a time']);
  });
});
