// gptft's WebAssembly SIMD kernels (`wasm/kernels.c`, built by `wasm/build.sh` into the committed
// `wasm/kernels.wasm` and `wasm/kernels-shared.wasm`; nothing is compiled at install time). The
// module keeps no state and imports its memory, so one instance runs on whichever memory it is given:
// tfjs' wasm heap (@gptft/backend-wasm's kernels read and write tensors in place) or a memory of its
// own (`HostFloatArena`: host-side buffers such as the AdamW moments, off every backend's heap).
import { kernelWasmBytes } from './kernel-bytes.js';

/** The parts of the WebAssembly JS API used here (@types/node declares too little of it). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The kernels' exports. Pointers are byte offsets into the memory, counts are numbers of floats. */
export interface SimdKernels {
  /** scale · Σ_kept (logsumexp(row) − row[target]); with `grad` ≠ 0 writes scale · (softmax − one-hot). */
  softmax_xent(logits: number, targets: number, rows: number, k: number, scale: number, grad: number): number;
  /** dst += src, n floats. */
  add_inplace(dst: number, src: number, n: number): void;
  /** softmax(q·kᵀ·scale + bias)·v for all heads; bias 0 = none; `scores` is scratch for S floats. */
  attention(
    q: number,
    k: number,
    v: number,
    bias: number,
    b: number,
    h: number,
    t: number,
    s: number,
    d: number,
    biasB: number,
    biasH: number,
    scale: number,
    y: number,
    scores: number,
  ): void;
  /** C[M, N] = A[M, K]·B[N, K]ᵀ, each row of B read once (few rows of A). */
  matmul_nt_rows(a: number, b: number, c: number, m: number, n: number, k: number): void;
  /**
   * C[M, n0:n1] = A[M, K]·B[K, n0:n1] (row-major, C's rows N apart; with `tb` ≠ 0, B is given as
   * Bᵀ [N, K]); `pack` is scratch for {@link GEMM_PACK_FLOATS} floats. Threads split the columns
   * at multiples of 16, or the rows.
   */
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    n: number,
    k: number,
    n0: number,
    n1: number,
    pack: number,
    tb: number,
  ): void;
  /** Packs B [K, N] (Bᵀ [N, K] with `tb` ≠ 0) whole for `gemm_packed`: 16·K·⌈N/16⌉ floats at `p`. */
  gemm_pack(b: number, p: number, k: number, n: number, tb: number): void;
  /**
   * C[M, n0:n1] = A[M, K]·B[K, n0:n1] with B packed by `gemm_pack` (read once for all rows); n0 a
   * multiple of 16, `tile` scratch for 32 floats.
   */
  gemm_packed(
    a: number,
    p: number,
    c: number,
    m: number,
    n: number,
    k: number,
    n0: number,
    n1: number,
    tile: number,
  ): void;
  /** dst [cols, rows] = src [rows, cols]ᵀ for `count` matrices stored one after another. */
  transpose(src: number, dst: number, count: number, rows: number, cols: number): void;
  /** One AdamW update in place (torch's op order, float32 rounding at every operation). */
  adamw(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    eps: number,
    bc2: number,
    negStep: number,
    keep: number,
    decay: number,
  ): void;
}

/** Floats of scratch one `gemm` call needs (`GEMM_PACK` in kernels.c). */
export const GEMM_PACK_FLOATS = 256 * 16 + 32;

/** The compiled kernels module (the shared-memory build for `shared`), e.g. to post to a worker. */
export function simdKernelsModule(shared: boolean): object {
  return compiledModule(shared);
}

const compiled = new Map<boolean, object>();
const instances = new WeakMap<WasmMemory, SimdKernels>();

function compiledModule(shared: boolean): object {
  let m = compiled.get(shared);
  if (m === undefined) {
    m = new Wasm.Module(kernelWasmBytes(shared));
    compiled.set(shared, m);
  }
  return m;
}

/** The kernels instantiated on `memory` (once per memory; a shared memory gets the shared build). */
export function simdKernels(memory: WasmMemory): SimdKernels {
  let k = instances.get(memory);
  if (!k) {
    const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    const instance = new Wasm.Instance(compiledModule(shared), { env: { memory } });
    k = instance.exports as unknown as SimdKernels;
    instances.set(memory, k);
  }
  return k;
}

const PAGE = 65536;
/** Bytes one host memory may hold (WebAssembly caps a memory at 4 GiB; keep clear of the cap). */
const HOST_MEMORY_BYTES = 3.5 * 2 ** 30;

/**
 * A WebAssembly memory of its own for float32 buffers in host memory (not on any backend's heap),
 * with the SIMD kernels instantiated on it. Buffers are allocated once and live as long as the
 * memory (a bump allocator); fresh buffers are zero. It holds at most ~3.5 GiB: start another when
 * `free` is too small.
 */
export class HostFloatMemory {
  readonly memory = new Wasm.Memory({ initial: 1 });
  readonly kernels: SimdKernels = simdKernels(this.memory);
  private used = 0;

  /** Floats that can still be allocated. */
  get free(): number {
    return Math.floor((HOST_MEMORY_BYTES - this.used) / 4) - 4;
  }

  /** Allocates `length` zeroed floats; returns their byte offset (16-byte aligned). */
  allocate(length: number): number {
    const bytes = Math.ceil((length * 4) / 16) * 16;
    if (this.used + bytes > HOST_MEMORY_BYTES) {
      throw new Error(`HostFloatMemory: ${length} floats do not fit (${this.free} free)`);
    }
    const offset = this.used;
    this.used += bytes;
    const pages = Math.ceil(this.used / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    return offset;
  }

  /** A view of `length` floats at byte `offset` (re-take it after an allocation: the memory may grow). */
  view(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  /** Bytes the memory holds. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }
}
