// BatchedKVCache: rows of different lengths joining and leaving between steps decode as they do alone.
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { SafetensorsFile } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchedKVCache,
  disposePast,
  GPT2Model,
  type PastKeyValues,
  prefixKeyValues,
  selectPastRows,
} from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff, tiedLogits } from './helpers.js';

let model: GPT2Model;
beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(() => model.dispose());

/** Last-position logits [B, V] and the new cache of one forward pass. */
function step(
  ids: number[][],
  past: PastKeyValues | undefined,
  attentionMask?: number[][],
): { logits: Float32Array; past: PastKeyValues } {
  const out = model.forward({ inputIds: ids, pastKeyValues: past, useCache: true, attentionMask });
  const t = ids[0]!.length;
  const logits = tf.tidy(() => {
    const h = tf.slice(out.lastHiddenState, [0, t - 1, 0], [-1, 1, -1]);
    return tiedLogits(model, h).dataSync() as Float32Array;
  });
  out.lastHiddenState.dispose();
  return { logits, past: out.pastKeyValues! };
}

const V = 50257;
const row = (logits: Float32Array, i: number) => logits.subarray(i * V, (i + 1) * V);
const argmax = (x: Float32Array) => {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
};

describe('BatchedKVCache', () => {
  it('rows joining at different steps decode PyTorch’s greedy ids; leaving rows free their cache', () => {
    const before = tf.memory().numTensors;
    const [g0, g1] = [expected.greedy[0]!, expected.greedy[1]!];
    const cache = new BatchedKVCache();
    const out: number[][] = [[], []];
    // Row 0 starts alone.
    const s = step([g0.prompt_ids], undefined);
    cache.add(s.past);
    let next = [argmax(row(s.logits, 0))];
    out[0]!.push(next[0]!);
    const live = [0];
    for (let k = 0; k < 19; k++) {
      if (k === 6) {
        // Row 1 joins after 6 steps: prefilled alone, then padded in front to the batch's length.
        const p = step([g1.prompt_ids], undefined);
        cache.add(p.past);
        const first = argmax(row(p.logits, 0));
        out[1]!.push(first);
        next = [...next, first];
        live.push(1);
        expect(cache.attentionMask(1)[1]!.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      }
      const r = step(
        next.map((id) => [id]),
        cache.past,
        cache.attentionMask(1),
      );
      cache.update(r.past);
      next = live.map((_, i) => argmax(row(r.logits, i)));
      live.forEach((which, i) => {
        out[which]!.push(next[i]!);
      });
    }
    expect(out[0]).toEqual(g0.greedy_ids);
    // Row 1 had 13 steps; row 0 leaves, row 1 goes on alone for its last 6 ids.
    expect(out[1]).toEqual(g1.greedy_ids.slice(0, 14));
    cache.select([1]);
    expect(cache.batchSize).toBe(1);
    expect(cache.length).toBe(g1.prompt_ids.length + 13); // the padding columns were dropped
    let last = [next[1]!];
    for (let k = 0; k < 6; k++) {
      const r = step([last], cache.past, cache.attentionMask(1));
      cache.update(r.past);
      last = [argmax(row(r.logits, 0))];
      out[1]!.push(last[0]!);
    }
    expect(out[1]).toEqual(g1.greedy_ids);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a prefix-tuned row next to a plain one gets the logits it gets alone (within 1e-5)', async () => {
    const before = tf.memory().numTensors;
    const file = await SafetensorsFile.open(`${FIXTURES}prefix/adapter_model.safetensors`);
    const emb = tf.tensor2d(file.getFloat32('prompt_embeddings'), [5, 2 * 2 * 64]);
    const prompt = expected.greedy[1]!.prompt_ids;
    const other = expected.greedy[0]!.prompt_ids;
    // Alone: prefix keys/values in front, 5 cached steps.
    const prefix = prefixKeyValues(emb, 2, 4);
    let a = step([prompt], prefix);
    disposePast(prefix);
    const alone: Float32Array[] = [a.logits];
    let pastA = a.past;
    for (let k = 0; k < 4; k++) {
      const n = step([[argmax(alone.at(-1)!)]], pastA);
      disposePast(pastA);
      pastA = n.past;
      alone.push(n.logits);
    }
    disposePast(pastA);
    // Batched: the plain row first, the prefix row (5 + 4 columns) joins it.
    const cache = new BatchedKVCache();
    const b = step([other], undefined);
    cache.add(b.past);
    const prefix2 = prefixKeyValues(emb, 2, 4);
    a = step([prompt], prefix2);
    disposePast(prefix2);
    cache.add(a.past);
    let ids = [argmax(row(b.logits, 0)), argmax(a.logits)];
    for (let k = 0; k < 4; k++) {
      const r = step(
        ids.map((id) => [id]),
        cache.past,
        cache.attentionMask(1),
      );
      cache.update(r.past);
      expect(maxAbsDiff(row(r.logits, 1), alone[k + 1]!)).toBeLessThan(1e-5);
      ids = [argmax(row(r.logits, 0)), argmax(row(r.logits, 1))];
    }
    cache.dispose();
    emb.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('select reorders and repeats rows (beam search), add checks the mask shape', () => {
    const before = tf.memory().numTensors;
    const s = step(
      [expected.greedy[0]!.prompt_ids, expected.greedy[0]!.prompt_ids.map((x) => x + 1)],
      undefined,
    );
    const picked = selectPastRows(s.past, [1, 1, 0]);
    expect(picked[0]!.key.shape[0]).toBe(3);
    const diff = tf.tidy(() =>
      maxAbsDiff(
        tf.slice(picked[0]!.key, [2], [1]).dataSync(),
        tf.slice(s.past[0]!.key, [0], [1]).dataSync(),
      ),
    );
    expect(diff).toBe(0);
    disposePast(picked);
    const cache = new BatchedKVCache();
    expect(() => cache.add(selectPastRows(s.past, [0]), [[1, 1]])).toThrow(/mask must be \[1, 5\]/);
    cache.add(s.past);
    cache.select([1, 0, 0]);
    expect(cache.batchSize).toBe(3);
    expect(() => cache.select([3])).toThrow(/no row 3/);
    cache.select([]);
    expect(cache.batchSize).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
