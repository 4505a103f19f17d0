// At the wasm heap's ~4 GiB cap, tfjs-wasm would place new tensors at address 0 and XNNPACK would skip
// products it cannot pack, silently. Here both throw WasmHeapExhaustedError and nothing is corrupted;
// gptft's `gemm` packs into scratch it already holds, so its products still run at the cap.
// The heap is filled with allocations that are never written, so the process' RSS stays small.
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFastMatMulEngine, WasmHeapExhaustedError } from '../src/index.js';

interface Internals {
  makeOutput(shape: number[], dtype: 'float32'): { dataId: object };
  disposeData(dataId: object, force?: boolean): boolean;
}

const fillers: { dataId: object }[] = [];
let backend: Internals;

beforeAll(async () => {
  await useBackend('wasm');
  backend = tf.backend() as unknown as Internals;
});

afterAll(() => {
  setFastMatMulEngine('auto');
  for (const f of fillers) backend.disposeData(f.dataId, true);
});

describe('the wasm heap cap', () => {
  it('throws WasmHeapExhaustedError for tensors and for matMul packing, and stays usable', async () => {
    const keep = tf.tensor1d([1, 2, 3]);
    const x = tf.randomNormal([64, 768]);
    const w = tf.randomNormal([768, 8192]); // 24 MiB of weights XNNPACK must pack
    const before = tf.matMul(x, w); // `gemm` (64 rows) gets its scratch now
    // 8 MiB held back, freed at the cap below: room for `gemm`'s 2 MiB output whatever the filling
    // leaves, never for XNNPACK's 24 MiB packing (the filling leaves less than 8 MiB).
    const reserve = backend.makeOutput([2 ** 21], 'float32');
    // Fill the heap: 512 MiB blocks, then smaller ones, until allocation fails.
    for (const floats of [2 ** 27, 2 ** 24, 2 ** 21]) {
      for (;;) {
        try {
          fillers.push(backend.makeOutput([floats], 'float32'));
        } catch (error) {
          expect(error).toBeInstanceOf(WasmHeapExhaustedError);
          break;
        }
      }
    }
    expect(fillers.length).toBeGreaterThan(4);
    expect(() => tf.zeros([2 ** 22])).toThrow(WasmHeapExhaustedError);
    expect(() => tf.zeros([2 ** 22])).toThrow(
      /wasm heap exhausted: could not allocate 16\.0 MiB for a tensor/,
    );
    backend.disposeData(reserve.dataId, true);
    setFastMatMulEngine('xnnpack');
    expect(() => tf.matMul(x, w)).toThrow(
      /wasm heap exhausted: could not allocate .* for packing a \[768, 8192\] matMul operand/,
    );
    setFastMatMulEngine('auto');
    // `gemm` needs no more heap than its output: the same product runs at the cap
    const atCap = tf.matMul(x, w);
    expect(Array.from(await atCap.data())).toEqual(Array.from(await before.data()));
    atCap.dispose();
    // free the filler memory: everything works again and the old tensor is intact
    for (const f of fillers.splice(0)) backend.disposeData(f.dataId, true);
    expect(Array.from(await keep.data())).toEqual([1, 2, 3]);
    const y = tf.matMul(x, w);
    expect(y.shape).toEqual([64, 8192]);
    const row = tf.matMul(tf.slice(x, [0, 0], [1, 768]), tf.slice(w, [0, 0], [768, 4]));
    const expected = Array.from(await row.data());
    for (const [i, v] of Array.from(await tf.slice(y, [0, 0], [1, 4]).data()).entries()) {
      expect(v).toBeCloseTo(expected[i]!, 3);
    }
    tf.dispose([keep, x, w, y, row, before]);
  });
});
