// A second thread for gptft's `gemm` kernels, under Node (the browser build swaps this module for
// `browser/gemm-helper.ts`, package.json `browser` map: no helper there).
//
// tfjs' threaded wasm build keeps its heap in a shared WebAssembly.Memory. A worker_threads Worker
// instantiates the kernels on that same memory and waits on a SharedArrayBuffer for jobs: the
// calling thread writes the arguments, wakes it, computes its own share of the columns, then waits
// until the worker's share is done. No data is copied: both threads read A and B and write
// disjoint columns of C in place.
import { Worker } from 'node:worker_threads';
import { simdKernelsModule, type WasmMemory } from '@gptft/backend';

// Control words (Int32Array over a SharedArrayBuffer): [job, done, failed, ready, kernel, args…]
const JOB = 0;
const DONE = 1;
const FAILED = 2;
const READY = 3;
const KERNEL = 4;
const ARGS = 5;
const MAX_ARGS = 10;
/** The kernels the helper runs, by their index in the KERNEL word. */
const KERNELS = ['gemm', 'gemm_packed'] as const;
/**
 * How long the first use waits for the worker to start before computing alone: a guard against a
 * hang, not a judgement of speed (a starved machine can take a minute to start a worker).
 */
const START_TIMEOUT_MS = 600_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData.control);
const args = new Uint32Array(workerData.control);
let kernels;
try {
  const exports = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
  kernels = ${JSON.stringify(KERNELS)}.map((name) => exports[name]);
  Atomics.store(ctl, ${READY}, 1);
} catch {
  Atomics.store(ctl, ${READY}, -1);
}
Atomics.notify(ctl, ${READY});
let seen = 0;
while (kernels) {
  Atomics.wait(ctl, ${JOB}, seen);
  const job = Atomics.load(ctl, ${JOB});
  seen = job;
  try {
    kernels[ctl[${KERNEL}]](${Array.from({ length: MAX_ARGS }, (_, i) => `args[${ARGS + i}]`).join(', ')});
  } catch {
    Atomics.store(ctl, ${FAILED}, job);
  }
  Atomics.store(ctl, ${DONE}, job);
  Atomics.notify(ctl, ${DONE});
}
`;

/** Runs one share of a `gemm` on another thread; see the top of this file. */
export interface GemmHelper {
  /** Starts `kernel(...args)` on the helper thread; `join()` waits for it. */
  start(kernel: (typeof KERNELS)[number], args: readonly number[]): void;
  /** Waits for the share started last; throws if it failed. */
  join(): void;
}

const helpers = new WeakMap<WasmMemory, GemmHelper | null>();

/**
 * The helper thread for the kernels on `memory` (started on first use, one per memory), or
 * undefined when the memory is not shared (tfjs' single-threaded build) or workers are unavailable.
 */
export function gemmHelper(memory: WasmMemory): GemmHelper | undefined {
  const known = helpers.get(memory);
  if (known !== undefined) return known ?? undefined;
  let helper: GemmHelper | null = null;
  if (typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer) {
    try {
      helper = startHelper(memory);
    } catch {
      helper = null;
    }
  }
  helpers.set(memory, helper);
  return helper ?? undefined;
}

function startHelper(memory: WasmMemory): GemmHelper | null {
  const control = new SharedArrayBuffer(4 * (ARGS + MAX_ARGS));
  const ctl = new Int32Array(control);
  const args = new Uint32Array(control);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control, memory, module: simdKernelsModule(true) },
  });
  worker.unref();
  worker.on('error', () => {});
  Atomics.wait(ctl, READY, 0, START_TIMEOUT_MS);
  if (Atomics.load(ctl, READY) !== 1) {
    void worker.terminate();
    return null;
  }
  let job = 0;
  return {
    start(kernel, values) {
      ctl[KERNEL] = KERNELS.indexOf(kernel);
      for (let i = 0; i < MAX_ARGS; i++) args[ARGS + i] = (values[i] ?? 0) >>> 0;
      job = job === 0x7fffffff ? 1 : job + 1;
      Atomics.store(ctl, JOB, job);
      Atomics.notify(ctl, JOB);
    },
    join() {
      // The worker reports DONE even when the kernel trapped (FAILED is set then).
      while (Atomics.load(ctl, DONE) !== job) Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 1000);
      if (Atomics.load(ctl, FAILED) === job) throw new Error('gemm failed on the helper thread');
    },
  };
}
