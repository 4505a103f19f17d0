// Packed rows (`documentIds`): each document's outputs must equal those of running it alone.
// Reference-independent equivalence: the same model, the documents run one by one.
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentPositions, GPT2Model } from '../src/index.js';
import { FIXTURES, maxAbsDiff, tiedLogits } from './helpers.js';

let model: GPT2Model;
beforeAll(async () => {
  await useBackend('wasm');
  model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
});
afterAll(() => model.dispose());

// Three documents of different lengths (ids from the GPT-2 vocabulary).
const docs = [
  [464, 2068, 7586, 21831, 18045],
  [15496, 11, 995, 0, 383, 1110, 318],
  [40, 588, 340, 13],
];

/** Logits [T, V] of `ids` run alone. */
function alone(ids: number[]): Float32Array {
  return tf.tidy(
    () => tiedLogits(model, model.forward({ inputIds: [ids] }).lastHiddenState).dataSync() as Float32Array,
  );
}

/** Rows [from, to) of a [T, V] logits array. */
const rows = (a: Float32Array, v: number, from: number, to: number) => a.subarray(from * v, to * v);

describe('packed rows (documentIds)', () => {
  it('gives every document the logits it has when run alone (within 1e-5), padding included', () => {
    const v = model.config.vocabSize;
    const ids = [...docs[0]!, ...docs[1]!, ...docs[2]!, 50256, 50256];
    const documentIds = [...docs.flatMap((d, k) => d.map(() => k)), -1, -1];
    const attentionMask = [...docs.flat().map(() => 1), 0, 0];
    const packed = tf.tidy(
      () =>
        tiedLogits(
          model,
          model.forward({ inputIds: [ids], documentIds: [documentIds], attentionMask: [attentionMask] })
            .lastHiddenState,
        ).dataSync() as Float32Array,
    );
    let start = 0;
    for (const d of docs) {
      const diff = maxAbsDiff(rows(packed, v, start, start + d.length), alone(d));
      expect(diff).toBeLessThan(1e-5);
      start += d.length;
    }
    // Without documentIds the second document sees the first one: the outputs differ.
    const crossing = tf.tidy(
      () => tiedLogits(model, model.forward({ inputIds: [ids] }).lastHiddenState).dataSync() as Float32Array,
    );
    const l0 = docs[0]!.length;
    expect(maxAbsDiff(rows(crossing, v, l0, l0 + docs[1]!.length), alone(docs[1]!))).toBeGreaterThan(1e-2);
  });

  it('restarts positions per document, equal to explicit positionIds; batches rows independently', () => {
    const d = Int32Array.from([0, 0, 0, 1, 1, 2, -1, 5, 5, 6, 6, 6]);
    expect(Array.from(documentPositions(d, 2, 6))).toEqual([0, 1, 2, 0, 1, 0, 0, 0, 1, 0, 1, 2]);
    const v = model.config.vocabSize;
    // Two rows packed differently; row 1 uses explicit positionIds (the datasets collator sends them).
    const row0 = [...docs[2]!, ...docs[0]!, 13, 13, 13]; // 4 + 5 + 3 = 12
    const doc0 = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2];
    const row1 = [...docs[1]!, ...docs[2]!, 11]; // 7 + 4 + 1 = 12
    const doc1 = [3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5];
    const pos1 = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 0];
    const out = tf.tidy(() => {
      const implicit = model.forward({ inputIds: [row0, row1], documentIds: [doc0, doc1] }).lastHiddenState;
      const explicit = model.forward({
        inputIds: [row0, row1],
        documentIds: [doc0, doc1],
        positionIds: [[0, 1, 2, 3, 0, 1, 2, 3, 4, 0, 1, 2], pos1],
      }).lastHiddenState;
      return {
        implicit: tiedLogits(model, implicit).dataSync() as Float32Array,
        diff: tf.max(tf.abs(tf.sub(implicit, explicit))).dataSync()[0]!,
      };
    });
    expect(out.diff).toBe(0);
    expect(maxAbsDiff(rows(out.implicit, v, 4, 9), alone(docs[0]!))).toBeLessThan(1e-5);
    expect(maxAbsDiff(rows(out.implicit, v, 12, 19), alone(docs[1]!))).toBeLessThan(1e-5);
    expect(maxAbsDiff(rows(out.implicit, v, 19, 23), alone(docs[2]!))).toBeLessThan(1e-5);
  });

  it('keeps gradients inside a document and leaks nothing', () => {
    const ids = [...docs[0]!, ...docs[2]!];
    const documentIds = [...docs[0]!.map(() => 0), ...docs[2]!.map(() => 1)];
    // d(sum of document 1's hidden states)/d(wpe): document 1 alone, and inside the packed row.
    const gradOf = (run: () => tf.Tensor) =>
      tf.tidy(() => {
        const { grads, value } = tf.variableGrads(() => tf.sum(run()) as tf.Scalar, [model.wpe.weight]);
        return { value: value.dataSync()[0]!, g: grads[model.wpe.weight.name]!.dataSync() as Float32Array };
      });
    const before = tf.memory().numTensors;
    const packed = gradOf(() =>
      tf.slice(
        model.forward({ inputIds: [ids], documentIds: [documentIds] }).lastHiddenState,
        [0, 5, 0],
        [1, 4, -1],
      ),
    );
    const single = gradOf(() => model.forward({ inputIds: [docs[2]!] }).lastHiddenState);
    expect(Math.abs(packed.value - single.value)).toBeLessThan(1e-3);
    expect(maxAbsDiff(packed.g, single.g)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses documentIds of the wrong shape or together with past keys/values', () => {
    expect(() => model.forward({ inputIds: [[1, 2, 3]], documentIds: [[0, 0]] })).toThrow(
      /documentIds has shape \[1,2\]; expected \[1, 3\]/,
    );
    const out = model.forward({ inputIds: [[1, 2]], useCache: true });
    expect(() =>
      model.forward({ inputIds: [[3]], documentIds: [[0]], pastKeyValues: out.pastKeyValues }),
    ).toThrow(/documentIds .* cannot be combined with past/);
    out.lastHiddenState.dispose();
    for (const kv of out.pastKeyValues!) {
      kv.key.dispose();
      kv.value.dispose();
    }
  });
});
