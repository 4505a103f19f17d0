// The parts of @tensorflow/tfjs-backend-wasm 4.22's BackendWasm that gptft's fast kernels use.
// They are not public API, so every access goes through this file, which checks that they are
// there (`wasmInternals` returns undefined otherwise and the kernels fall back to tfjs' own).
import { type SimdKernels, simdKernels, type WasmMemory } from '@gptft/backend';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The Emscripten module behind the wasm backend (only what gptft touches). */
export interface WasmModule {
  HEAPU8: Uint8Array;
  /** Present in the threaded build, whose heap grows from any thread. */
  wasmMemory?: WasmMemory;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  cwrap(name: string, returns: string | null, args: string[]): (...args: unknown[]) => unknown;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
    getThreadsCount(): number;
  };
}

/** The BackendWasm instance's fields gptft reads. */
export interface WasmBackendInternals {
  wasm: WasmModule;
  dataIdNextNumber: number;
  /** tfjs' DataStorage: `get` of an unknown id asks other backends for it (use `has` to test). */
  dataIdMap: {
    get(dataId: object): { id: number; memoryOffset: number } | undefined;
    has(dataId: object): boolean;
  };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The backend as gptft's kernels need it, or undefined when this tfjs build lacks a part. */
export function wasmInternals(backend: unknown): WasmBackendInternals | undefined {
  const b = backend as Partial<WasmBackendInternals> | undefined;
  const w = b?.wasm;
  if (
    !b ||
    !w ||
    typeof b.dataIdNextNumber !== 'number' ||
    typeof b.dataIdMap?.get !== 'function' ||
    typeof b.dataIdMap?.has !== 'function' ||
    typeof b.makeOutput !== 'function' ||
    typeof w._malloc !== 'function' ||
    typeof w._free !== 'function' ||
    typeof w.cwrap !== 'function' ||
    typeof w.tfjs?.registerTensor !== 'function' ||
    typeof w.tfjs?.disposeData !== 'function' ||
    !(w.HEAPU8 instanceof Uint8Array)
  ) {
    return undefined;
  }
  return b as WasmBackendInternals;
}

/** The current wasm heap as float32s (re-read after every allocation: the heap may have grown). */
export function heapF32(wasm: WasmModule): Float32Array {
  const buffer = wasm.wasmMemory?.buffer ?? wasm.HEAPU8.buffer;
  return new Float32Array(buffer);
}

/** Heap size in bytes (for error messages). */
export function heapBytes(wasm: WasmModule): number {
  return (wasm.wasmMemory?.buffer ?? wasm.HEAPU8.buffer).byteLength;
}

/** The wasm heap ran out (it is capped near 4 GB); thrown instead of tfjs' silent corruption. */
export class WasmHeapExhaustedError extends Error {
  override readonly name = 'WasmHeapExhaustedError';
  constructor(
    readonly requestedBytes: number,
    readonly heapBytes: number,
    what: string,
  ) {
    super(
      `wasm heap exhausted: could not allocate ${(requestedBytes / 2 ** 20).toFixed(1)} MiB for ${what} ` +
        `(heap is ${(heapBytes / 2 ** 30).toFixed(2)} GiB; WebAssembly caps it near 4 GiB). ` +
        'Use a smaller batch or sequence length, gradient checkpointing, or the tensorflow backend.',
    );
  }
}

/** `_malloc` that throws `WasmHeapExhaustedError` instead of returning 0. Returns a byte offset. */
export function mallocOrThrow(wasm: WasmModule, bytes: number, what: string): number {
  if (bytes === 0) return 0;
  let pointer: number;
  try {
    pointer = wasm._malloc(bytes) >>> 0;
  } catch (error) {
    if (error instanceof WasmHeapExhaustedError) pointer = 0;
    else throw error;
  }
  if (pointer === 0) throw new WasmHeapExhaustedError(bytes, heapBytes(wasm), what);
  return pointer;
}

/**
 * Throws `WasmHeapExhaustedError` unless `bytes` can be allocated right now. Used before C++ calls
 * that allocate internally and, when that fails, skip their work and leave garbage in the output
 * (XNNPACK's packed weights: tfjs-wasm only prints "XNN status ... not successful").
 */
export function ensureHeapRoom(wasm: WasmModule, bytes: number, what: string): void {
  wasm._free(mallocOrThrow(wasm, bytes, what));
}

/**
 * Temporary tensor ids that point into existing heap memory (a slice of a tensor, a scratch
 * buffer), so wasm kernels can read and write there without copies. `release()` unregisters them
 * (the C++ side then also drops operators it cached for them) and frees scratch memory.
 */
export class HeapViews {
  private readonly ids: number[] = [];
  private readonly scratch: number[] = [];

  constructor(private readonly backend: WasmBackendInternals) {}

  /** A tensor id for `size` floats at byte offset `byteOffset`. */
  view(byteOffset: number, size: number): number {
    const id = this.backend.dataIdNextNumber++;
    this.backend.wasm.tfjs.registerTensor(id, size, byteOffset);
    this.ids.push(id);
    return id;
  }

  /** Scratch memory for `size` floats; returns its byte offset. */
  allocate(size: number, what: string): number {
    const pointer = mallocOrThrow(this.backend.wasm, size * 4, what);
    this.scratch.push(pointer);
    return pointer;
  }

  release(): void {
    for (const id of this.ids) this.backend.wasm.tfjs.disposeData(id);
    for (const pointer of this.scratch) this.backend.wasm._free(pointer);
    this.ids.length = 0;
    this.scratch.length = 0;
  }
}

const guarded = new WeakSet<object>();

/**
 * Makes the backend's `_malloc` throw `WasmHeapExhaustedError` instead of returning 0 when the heap
 * is full: tfjs would otherwise place the new tensor at address 0 and overwrite the heap's start.
 */
export function guardHeapAllocations(backend: unknown): void {
  const internals = wasmInternals(backend);
  if (!internals || guarded.has(internals.wasm)) return;
  const wasm = internals.wasm;
  let malloc: (bytes: number) => number = wasm._malloc;
  const checked = (bytes: number) => {
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) throw new WasmHeapExhaustedError(bytes, heapBytes(wasm), 'a tensor');
    return pointer;
  };
  // Emscripten binds exports lazily: its first `_malloc` call assigns the raw export to
  // `Module._malloc`. The setter takes that assignment as the new inner function.
  Object.defineProperty(wasm, '_malloc', {
    configurable: true,
    enumerable: true,
    get: () => checked,
    set: (next: (bytes: number) => number) => {
      malloc = next;
    },
  });
  guarded.add(wasm);
}

/** The WebAssembly memory behind the heap (the threaded build's shared one, or the module's export). */
export function wasmMemoryOf(wasm: WasmModule): WasmMemory | undefined {
  const w = wasm as WasmModule & { asm?: { memory?: WasmMemory } };
  return w.wasmMemory ?? w.asm?.memory;
}

/** What a kernel built on gptft's SIMD module gets: the backend, the kernels on its heap, offsets. */
export interface SimdKernelContext {
  backend: WasmBackendInternals;
  kernels: SimdKernels;
  /** Byte offset of a tensor's data on the heap. */
  offset(t: TensorInfo): number;
}

/**
 * A wasm kernel config running gptft's SIMD module (`@gptft/backend`'s `wasm/kernels.c`) on tfjs'
 * heap, or undefined when this tfjs-wasm build lacks an internal it needs (then gptft's default
 * kernel runs).
 */
export function simdKernelConfig<A extends { inputs: object; attrs: object }>(
  kernelName: string,
  backend: unknown,
  run: (args: A, context: SimdKernelContext) => TensorInfo | TensorInfo[],
): KernelConfig | undefined {
  const internals = wasmInternals(backend);
  if (!internals || !wasmMemoryOf(internals.wasm)) return undefined;
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: ((args: A & { backend: unknown }) => {
      const b = wasmInternals(args.backend)!;
      return run(args, {
        backend: b,
        kernels: simdKernels(wasmMemoryOf(b.wasm)!),
        offset: (t) => b.dataIdMap.get(t.dataId)!.memoryOffset,
      });
    }) as unknown as KernelFunc,
  };
}
