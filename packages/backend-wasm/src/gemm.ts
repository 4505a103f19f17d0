// gptft's own matrix products on tfjs' wasm heap (`@gptft/backend`'s wasm/kernels.c), as
// fast-mat-mul.ts calls them for one 2-D product at byte offsets: `gemm` (packing B as it goes), split
// over the helper thread when the backend has threads, and `gemm_packed` on a weight packed once and
// kept until its tensor is freed.
import { GEMM_PACK_FLOATS, type SimdKernels, type WasmMemory } from '@gptft/backend';
import { type GemmHelper, gemmHelper } from './gemm-helper.js';
import { state } from './initialize.js';
import { fastMatMulStats } from './mat-mul-stats.js';
import { mallocOrThrow, type WasmBackendInternals } from './wasm-internals.js';

/** From this many rows and columns on, a product runs on `gemm` (below: XNNPACK). */
export const GEMM_MIN_ROWS = 32;
export const GEMM_MIN_COLS = 16;
/** Products of at least this many multiply-adds are split over the helper thread (~0.3 ms each). */
const GEMM_SPLIT_MIN_MACS = 1 << 21;

const gemmScratch = new WeakMap<object, number>();

/** `gemm`'s scratch on the heap: one block per thread, allocated once per module. */
function scratchFor(backend: WasmBackendInternals): number {
  let pointer = gemmScratch.get(backend.wasm);
  if (pointer === undefined) {
    pointer = mallocOrThrow(backend.wasm, 2 * GEMM_PACK_FLOATS * 4, 'gemm scratch');
    gemmScratch.set(backend.wasm, pointer);
  }
  return pointer;
}

/**
 * C[M, N] = A[M, K]·B[K, N] at byte offsets on the heap with gptft's `gemm`: on this thread, or
 * split in two (by rows when M ≥ N, else by columns at a multiple of 16) with the helper thread.
 */
export function runGemm(
  backend: WasmBackendInternals,
  memory: WasmMemory,
  kernels: SimdKernels,
  a: number,
  b: number,
  c: number,
  M: number,
  N: number,
  K: number,
  tb: number,
): void {
  const scratch = scratchFor(backend);
  const helper = state.threads > 1 && M * N * K >= GEMM_SPLIT_MIN_MACS ? gemmHelper(memory) : undefined;
  fastMatMulStats.gemmCalls++;
  if (!helper || (M < 2 && N <= 16)) {
    kernels.gemm(a, b, c, M, N, K, 0, N, scratch, tb);
    return;
  }
  const other = scratch + GEMM_PACK_FLOATS * 4;
  if (M >= N) {
    const m = Math.ceil(M / 2);
    onBothThreads(helper, 'gemm', [a + m * K * 4, b, c + m * N * 4, M - m, N, K, 0, N, other, tb], () =>
      kernels.gemm(a, b, c, m, N, K, 0, N, scratch, tb),
    );
  } else {
    const n = halfColumns(N);
    onBothThreads(helper, 'gemm', [a, b, c, M, N, K, n, N, other, tb], () =>
      kernels.gemm(a, b, c, M, N, K, 0, n, scratch, tb),
    );
  }
}

/** Where two threads split N columns: half, rounded up to a multiple of 16 (a panel). */
function halfColumns(N: number): number {
  return Math.min(N, 16 * Math.ceil(N / 32));
}

/** Starts the helper's share (`theirs`), computes `mine` here, then waits for the helper. */
function onBothThreads(
  helper: GemmHelper,
  kernel: 'gemm' | 'gemm_packed',
  theirs: readonly number[],
  mine: () => void,
): void {
  fastMatMulStats.gemmSplit++;
  helper.start(kernel, theirs);
  try {
    mine();
  } finally {
    helper.join();
  }
}

/** A weight packed for `gemm_packed`, kept on the heap until its tensor is freed. */
interface PackedWeight {
  pointer: number;
  key: string;
  floats: number;
}

const packedByBackend = new WeakMap<object, Map<object, PackedWeight>>();

/** Floats of packed weights on the heap now (all backends), for tests and memory accounting. */
export function packedWeightFloats(): number {
  return packedFloats;
}
let packedFloats = 0;

/**
 * The packed weights of this backend; on first use, its `disposeData` is wrapped so that a weight's
 * packing is freed with the tensor's memory.
 */
function packedWeights(backend: WasmBackendInternals): Map<object, PackedWeight> {
  let packs = packedByBackend.get(backend);
  if (!packs) {
    const map = new Map<object, PackedWeight>();
    packs = map;
    packedByBackend.set(backend, map);
    const dispose = backend.disposeData.bind(backend);
    backend.disposeData = (dataId: object, force?: boolean) => {
      const freed = dispose(dataId, force);
      const pack = map.get(dataId);
      if (pack && !backend.dataIdMap.has(dataId)) {
        backend.wasm._free(pack.pointer);
        packedFloats -= pack.floats;
        map.delete(dataId);
      }
      return freed;
    };
  }
  return packs;
}

/**
 * C[M, N] = A[M, K]·B[K, N] for a weight B (tensor `dataId`, at byte offset `b`) used by few rows
 * (a prompt, a decoding step): B packed once into panels (`gemm_pack`) and kept while the tensor
 * lives, then each panel read once for all rows (`gemm_packed`; XNNPACK, which also caches packed
 * weights, reads them once per 4 rows), in two column ranges when the helper thread is used
 * (`setFastMatMulEngine('gemm')` with threads).
 */
export function runGemmPacked(
  backend: WasmBackendInternals,
  memory: WasmMemory,
  kernels: SimdKernels,
  dataId: object,
  a: number,
  b: number,
  c: number,
  M: number,
  N: number,
  K: number,
): void {
  const packs = packedWeights(backend);
  const key = `${K},${N}`;
  let pack = packs.get(dataId);
  if (pack?.key !== key) {
    if (pack) {
      backend.wasm._free(pack.pointer);
      packedFloats -= pack.floats;
      packs.delete(dataId);
    }
    const floats = 16 * K * Math.ceil(N / 16);
    pack = {
      pointer: mallocOrThrow(backend.wasm, floats * 4, `packing a [${K}, ${N}] matMul weight`),
      key,
      floats,
    };
    kernels.gemm_pack(b, pack.pointer, K, N, 0);
    fastMatMulStats.packs++;
    packs.set(dataId, pack);
    packedFloats += floats;
  }
  const scratch = scratchFor(backend);
  const helper =
    state.threads > 1 && M * N * K >= GEMM_SPLIT_MIN_MACS && N > 16 ? gemmHelper(memory) : undefined;
  fastMatMulStats.packedCalls++;
  if (!helper) {
    kernels.gemm_packed(a, pack.pointer, c, M, N, K, 0, N, scratch);
    return;
  }
  const n = halfColumns(N);
  const p = pack.pointer;
  onBothThreads(helper, 'gemm_packed', [a, p, c, M, N, K, n, N, scratch + GEMM_PACK_FLOATS * 4], () =>
    kernels.gemm_packed(a, p, c, M, N, K, 0, n, scratch),
  );
}
