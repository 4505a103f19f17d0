// A BatchMatMul kernel for tfjs' wasm backend that always reaches XNNPACK.
//
// tfjs-backend-wasm 4.22 runs XNNPACK only for an unbatched product with neither operand
// transposed; everything else (transposeA/B — which tfjs' own matMul gradient emits — and every
// batched product) goes to a scalar C++ loop, 10–25× slower. This kernel replaces the
// registration and turns every product into plain 2-D XNNPACK calls:
//   - transposed operands are copied into scratch memory with a tiled JS transpose (no copy when
//     the matrix is a row or a column);
//   - a batched A times an unbatched B is one 2-D call on A's stacked rows ([B·M, K] × [K, N]);
//   - other batched products are one call per batch, on zero-copy views into the operands;
//   - it picks between C = A·B and Cᵀ = Bᵀ·Aᵀ (then transposes C back), whichever moves fewer
//     floats: the second needs no copy at all for q·kᵀ-style products with one query row.
// Each 2-D product then runs on gptft's own `gemm` (wasm/kernels.c; 1.2–1.4× XNNPACK per thread on
// GPT-2's training shapes, split over a helper thread when the backend has threads) from 32 rows
// on; fewer rows (prompts, decoding steps) times a weight run on `gemm_packed` (the weight packed
// once and kept) on one thread and on XNNPACK's thread pool with threads. Non-float32 operands and
// builds without the internals this needs go to tfjs' kernel.
import { registerKernel, simdKernels, tf } from '@gptft/backend';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GEMM_MIN_COLS, GEMM_MIN_ROWS, runGemm, runGemmPacked } from './gemm.js';
import { gemmHelper } from './gemm-helper.js';
import { state } from './initialize.js';
import { fastMatMulStats } from './mat-mul-stats.js';
import { transposeMatrices } from './transpose.js';
import {
  ensureHeapRoom,
  HeapViews,
  heapF32,
  WasmHeapExhaustedError,
  type WasmBackendInternals,
  wasmInternals,
  wasmMemoryOf,
} from './wasm-internals.js';

/**
 * Transposes `count` [rows, cols] matrices at float index `src` into [cols, rows] at `dst` on the
 * heap: gptft's SIMD kernel (4 × 4 blocks in registers, 2–3× the tiled JS loop), or the JS loop
 * where the module's memory object is not reachable.
 */
function transposeOnHeap(
  backend: WasmBackendInternals,
  src: number,
  dst: number,
  count: number,
  rows: number,
  cols: number,
): void {
  const memory = wasmMemoryOf(backend.wasm);
  if (memory) simdKernels(memory).transpose(src * 4, dst * 4, count, rows, cols);
  else transposeMatrices(heapF32(backend.wasm), src, dst, count, rows, cols);
}

type CppBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: number,
  transposeB: number,
  outId: number,
) => void;

interface MatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: unknown;
  attrs: { transposeA?: boolean; transposeB?: boolean };
}

const cppByModule = new WeakMap<object, CppBatchMatMul>();
// XNNPACK caches the packed weights of B under B's tensor id and the shape it first saw; a reshaped
// tensor shares the id, so the own id is only used again with the same [K, N].
const ownIdShape = new WeakMap<object, string>();

function cppBatchMatMul(backend: WasmBackendInternals): CppBatchMatMul {
  let f = cppByModule.get(backend.wasm);
  if (!f) {
    const args = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];
    f = backend.wasm.cwrap('BatchMatMul', null, args) as CppBatchMatMul;
    cppByModule.set(backend.wasm, f);
  }
  return f;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** For each flat index into the broadcast batch shape `outer`, the flat index into `sub`. */
function broadcastIndex(outer: number[], sub: number[]): Int32Array {
  const count = sizeOf(outer);
  const index = new Int32Array(count);
  const shift = outer.length - sub.length;
  const subStrides = sub.map((_, d) => sizeOf(sub.slice(d + 1)));
  for (let i = 0; i < count; i++) {
    let rest = i;
    let j = 0;
    for (let d = outer.length - 1; d >= 0; d--) {
      const coord = rest % outer[d]!;
      rest = (rest - coord) / outer[d]!;
      const s = d - shift;
      if (s >= 0 && sub[s] !== 1) j += coord * subStrides[s]!;
    }
    index[i] = j;
  }
  return index;
}

/** Float cost of transposing `count` [rows, cols] matrices (free for a row or a column). */
function transposeCost(rows: number, cols: number, count: number): number {
  return rows === 1 || cols === 1 ? 0 : rows * cols * count;
}

/** Up to this many rows of A, A·Bᵀ runs as dot products with each row of B (`matmul_nt_rows`). */
const NT_ROWS_MAX = 3;

function fastBatchMatMul(args: MatMulArgs, fallback: KernelFunc): TensorInfo {
  const backend = wasmInternals(args.backend);
  const { a, b } = args.inputs;
  if (!backend || a.dtype !== 'float32' || b.dtype !== 'float32') {
    fastMatMulStats.fallbacks++;
    return fallback(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  fastMatMulStats.calls++;
  const tA = !!args.attrs.transposeA;
  const tB = !!args.attrs.transposeB;
  const ar = a.shape.length;
  const br = b.shape.length;
  const M = tA ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const K = tA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const Kb = tB ? b.shape[br - 1]! : b.shape[br - 2]!;
  const N = tB ? b.shape[br - 2]! : b.shape[br - 1]!;
  if (K !== Kb) {
    throw new Error(
      `Error in matMul: inner shapes (${K}) and (${Kb}) of Tensors with shapes ${a.shape} and ` +
        `${b.shape} and transposeA=${tA} and transposeB=${tB} must match.`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  const batch = sizeOf(outer);

  const out = backend.makeOutput([...outer, M, N], 'float32');
  const outSize = batch * M * N;
  if (outSize === 0) return out;
  const outOff = backend.dataIdMap.get(out.dataId)!.memoryOffset;
  if (outOff === 0) {
    backend.disposeData(out.dataId, true);
    throw new WasmHeapExhaustedError(
      outSize * 4,
      backend.wasm.HEAPU8.byteLength,
      `matMul output [${[...outer, M, N]}]`,
    );
  }
  if (K === 0) {
    heapF32(backend.wasm).fill(0, outOff / 4, outOff / 4 + outSize);
    return out;
  }
  const aOff = backend.dataIdMap.get(a.dataId)!.memoryOffset;
  const bOff = backend.dataIdMap.get(b.dataId)!.memoryOffset;

  // A few rows times a transposed B (a decoding step's LM head: [1, C]·[V, C]ᵀ): dot products with
  // each row of B read once. XNNPACK would either transpose B or pad N = 1 to its 8-column tiles
  // (8× the work): measured [1, 768]·[50257, 768]ᵀ 48 → 20 ms; from 4 rows on XNNPACK is faster.
  const memory = wasmMemoryOf(backend.wasm);
  if (tB && !tA && M <= NT_ROWS_MAX && memory && route === 'auto') {
    const kernels = simdKernels(memory);
    const mapA = broadcastIndex(outer, outerA);
    const mapB = broadcastIndex(outer, outerB);
    for (let i = 0; i < batch; i++) {
      kernels.matmul_nt_rows(
        aOff + mapA[i]! * M * K * 4,
        bOff + mapB[i]! * N * K * 4,
        outOff + i * M * N * 4,
        M,
        N,
        K,
      );
    }
    fastMatMulStats.rowsCalls += batch;
    return out;
  }

  // Route I: out = A·B with A as [M,K] rows and B as [K,N] weights.
  // Route II: outᵀ = Bᵀ·Aᵀ with Bᵀ as [N,K] rows and Aᵀ as [K,M] weights, then outᵀ → out.
  // Cost in floats moved: each float transposed counts 1, each float XNNPACK packs as weights
  // counts PACK (its packing reads the weights transposed, ~3× a tiled JS transpose per float;
  // fitted on GPT-2 training shapes in bench/). Weights packed before under the same id are free.
  // Plain products always take route I (tfjs' own fast path); II must win clearly (20%).
  const PACK = 3;
  const foldI = batchB === 1 && batch === batchA;
  const foldII = batchA === 1 && batch === batchB;
  const packedB = foldI && !tB && ownIdShape.get(b.dataId) === `${K},${N}`;
  const costI =
    (tA ? transposeCost(K, M, batchA) : 0) +
    (tB ? transposeCost(N, K, batchB) : 0) +
    (packedB ? 0 : PACK * K * N * (foldI ? 1 : batch));
  const costII =
    (tB ? 0 : transposeCost(K, N, batchB)) +
    (tA ? 0 : transposeCost(M, K, batchA)) +
    transposeCost(N, M, batch) +
    PACK * K * M * (foldII ? 1 : batch);
  // `gemm` computes 16 columns at a time: fewer would waste most of its work (route II of a
  // decoding step's LM head has as many columns as rows in the batch).
  const useGemm = (rows: number, cols: number) =>
    memory !== undefined &&
    (engine === 'gemm' ||
      (engine === 'auto' &&
        rows >= GEMM_MIN_ROWS &&
        cols >= GEMM_MIN_COLS &&
        (state.threads === 1 || gemmHelper(memory) !== undefined)));
  // Which routes would run on `gemm`: it takes a transposed B without a copy, so route I with an
  // untransposed A moves nothing.
  const gemmI = useGemm(foldI ? batchA * M : M, N);
  // A weight times fewer rows (a prompt, a decoding step) on one thread: `gemm_packed` on the
  // weight packed once (prompt 1.2×, batch-8 decoding 1.07× XNNPACK). With threads, XNNPACK's
  // pool is faster on these ~1 ms products than waking the helper thread (measured 118 against
  // 155 ms for a 16-token GPT-2-small prompt).
  const gemmPackedI =
    foldI &&
    !tB &&
    memory !== undefined &&
    batchA * M < GEMM_MIN_ROWS &&
    N >= GEMM_MIN_COLS &&
    (engine === 'gemm' || (engine === 'auto' && state.threads === 1));
  const gemmII = useGemm(foldII ? batchB * N : N, M);
  const direct =
    route === 'direct' || (route === 'auto' && ((!tA && !tB) || (gemmI && !tA) || costII >= 0.8 * costI));

  const cpp = cppBatchMatMul(backend);
  const views = new HeapViews(backend);
  /**
   * out[rows, cols] = in[rows, inner]·w[inner, cols] at byte offsets: `gemm` (which also takes w as
   * wᵀ [cols, inner] when `tb` is 1), or XNNPACK (with the weights' own tensor id `wId` when
   * given, whose packing XNNPACK then keeps).
   */
  const product = (
    inOff: number,
    rows: number,
    wOff: number,
    cols: number,
    outOff: number,
    inner: number,
    tb = 0,
    own?: { wId: number; cached: boolean },
  ) => {
    if (direct ? gemmI : gemmII) {
      runGemm(backend, memory!, simdKernels(memory!), inOff, wOff, outOff, rows, cols, inner, tb);
      return;
    }
    // XNNPACK packs the weights into memory of its own (kept per weight id): make sure it can.
    if (!own?.cached)
      ensureHeapRoom(
        backend.wasm,
        (inner + 16) * (cols + 16) * 4 + 65536,
        `packing a [${inner}, ${cols}] matMul operand`,
      );
    const inId = views.view(inOff, rows * inner);
    const wId = own?.wId ?? views.view(wOff, inner * cols);
    const outId = views.view(outOff, rows * cols);
    cpp(inId, shapeBytes([1, rows, inner]), 3, wId, shapeBytes([1, inner, cols]), 3, 0, 0, outId);
    fastMatMulStats.xnnCalls++;
  };
  try {
    if (direct) {
      const copyA = tA && transposeCost(K, M, 1) > 0;
      // `gemm` reads B transposed as it packs it: no copy.
      const copyB = tB && transposeCost(N, K, 1) > 0 && !gemmI;
      const tbI = tB && gemmI ? 1 : 0;
      const inOff = copyA ? views.allocate(batchA * M * K, 'a transposed matMul operand') : aOff;
      const wOff = copyB ? views.allocate(batchB * K * N, 'a transposed matMul operand') : bOff;
      if (copyA) transposeOnHeap(backend, aOff / 4, inOff / 4, batchA, K, M);
      if (copyB) transposeOnHeap(backend, bOff / 4, wOff / 4, batchB, N, K);
      fastMatMulStats.transposedFloats += (copyA ? batchA * M * K : 0) + (copyB ? batchB * K * N : 0);
      if (foldI) {
        const shapeKey = `${K},${N}`;
        if (gemmPackedI) {
          runGemmPacked(
            backend,
            memory!,
            simdKernels(memory!),
            b.dataId,
            inOff,
            wOff,
            outOff,
            batchA * M,
            N,
            K,
          );
          return out;
        }
        const reuseB = !copyB && !gemmI && (ownIdShape.get(b.dataId) ?? shapeKey) === shapeKey;
        let own: { wId: number; cached: boolean } | undefined;
        if (reuseB) {
          own = { wId: backend.dataIdMap.get(b.dataId)!.id, cached: ownIdShape.has(b.dataId) };
          ownIdShape.set(b.dataId, shapeKey);
        }
        product(inOff, batchA * M, wOff, N, outOff, K, tbI, own);
      } else {
        const mapA = broadcastIndex(outer, outerA);
        const mapB = broadcastIndex(outer, outerB);
        for (let i = 0; i < batch; i++) {
          product(
            inOff + mapA[i]! * M * K * 4,
            M,
            wOff + mapB[i]! * K * N * 4,
            N,
            outOff + i * M * N * 4,
            K,
            tbI,
          );
        }
      }
    } else {
      const copyB = !tB && transposeCost(K, N, 1) > 0;
      const copyA = !tA && transposeCost(M, K, 1) > 0 && !gemmII;
      const tbII = !tA && gemmII ? 1 : 0;
      const copyOut = transposeCost(N, M, 1) > 0;
      const inOff = copyB ? views.allocate(batchB * N * K, 'a transposed matMul operand') : bOff;
      const wOff = copyA ? views.allocate(batchA * K * M, 'a transposed matMul operand') : aOff;
      const ctOff = copyOut ? views.allocate(outSize, 'a transposed matMul result') : outOff;
      if (copyB) transposeOnHeap(backend, bOff / 4, inOff / 4, batchB, K, N);
      if (copyA) transposeOnHeap(backend, aOff / 4, wOff / 4, batchA, M, K);
      fastMatMulStats.transposedFloats +=
        (copyA ? batchA * M * K : 0) + (copyB ? batchB * K * N : 0) + (copyOut ? outSize : 0);
      if (foldII) {
        product(inOff, batchB * N, wOff, M, ctOff, K, tbII);
      } else {
        const mapA = broadcastIndex(outer, outerA);
        const mapB = broadcastIndex(outer, outerB);
        for (let i = 0; i < batch; i++) {
          product(
            inOff + mapB[i]! * N * K * 4,
            N,
            wOff + mapA[i]! * K * M * 4,
            M,
            ctOff + i * N * M * 4,
            K,
            tbII,
          );
        }
      }
      // The heap may have grown during the calls (XNNPACK allocates): read it again.
      if (copyOut) transposeOnHeap(backend, ctOff / 4, outOff / 4, batch, N, M);
    }
  } catch (error) {
    backend.disposeData(out.dataId, true);
    throw error;
  } finally {
    views.release();
  }
  return out;
}

let route: 'auto' | 'direct' | 'transposed' = 'auto';
let engine: 'auto' | 'gemm' | 'xnnpack' = 'auto';

/**
 * Which code computes the 2-D products: `gemm` (gptft's kernel), `xnnpack`, or `auto` (`gemm` from
 * 32 rows on, where it is faster; the default). For tests and benchmarks.
 */
export function setFastMatMulEngine(next: 'auto' | 'gemm' | 'xnnpack'): void {
  engine = next;
}

/**
 * Which way the kernel computes: `direct` (C = A·B), `transposed` (Cᵀ = Bᵀ·Aᵀ) or `auto` (the one
 * that moves fewer floats; the default). For tests and benchmarks.
 */
export function setFastMatMulRoute(next: 'auto' | 'direct' | 'transposed'): void {
  route = next;
}

let restore: (() => void) | undefined;

/**
 * Registers gptft's BatchMatMul kernel for wasm (see the top of this file) in place of tfjs-wasm's,
 * so every `tf.matMul` — including those inside tfjs' gradients — runs on XNNPACK. Idempotent.
 * Returns false when tfjs-backend-wasm has not registered its kernel (nothing to replace).
 */
export function installFastMatMul(): boolean {
  if (restore) return true;
  const current = tf.getKernel('BatchMatMul', 'wasm');
  if (!current) return false;
  const fallback = current.kernelFunc;
  restore = registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    kernelFunc: ((args: unknown) => fastBatchMatMul(args as MatMulArgs, fallback)) as KernelFunc,
  });
  return true;
}

/** Puts tfjs' own BatchMatMul kernel back (for comparisons). */
export function uninstallFastMatMul(): void {
  restore?.();
  restore = undefined;
}

/** Whether gptft's BatchMatMul kernel is the registered one. */
export function fastMatMulInstalled(): boolean {
  return restore !== undefined;
}
