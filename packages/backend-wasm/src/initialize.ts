import { type BackendOptions, tf } from '@gptft/backend';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { availableParallelism, busyCores, envThreads } from './host.js';
import { threadsUnsupportedReason, withNodeThreadPatches } from './threads.js';
import { guardHeapAllocations } from './wasm-internals.js';

/** How the wasm backend ended up configured. */
export interface WasmState {
  initialized: boolean;
  simd: boolean;
  threads: number;
  /** Notes for `describe()`: threads asked for but not used, and why. */
  notes: string[];
}

export const state: WasmState = { initialized: false, simd: false, threads: 1, notes: [] };

/**
 * A guard against a threaded start-up that never finishes (a hang), not a judgement of speed: on
 * a loaded machine the workers can take a minute to load, and whether the backend gets its threads
 * must not depend on that (a 30 s deadline once made it fall back to one thread under load).
 */
const THREADED_INIT_TIMEOUT_MS = 600_000;

/**
 * The default thread count: this process' own core plus the cores the rest of the machine leaves
 * idle (`busy`: cores kept busy now, {@link busyCores}), so threads are used where they help and not
 * where they hurt — measured on 2 cores, a second thread gave ~1.2× on a training step with the
 * other core idle and was 15–25 % slower with it busy. `cores` and `busy` are parameters for tests.
 */
export function idleCoreThreads(cores = availableParallelism(), busy = busyCores()): number {
  if (cores < 2) return 1;
  return Math.min(cores, 1 + Math.floor(Math.max(0, cores - 1 - busy) + 0.5));
}

/**
 * Threads asked for: `options.threads`, else the environment variable `GPTFT_WASM_THREADS`
 * (a number, `auto` for every core, or `off`), else {@link idleCoreThreads}. Returns the count and
 * where it came from.
 */
export function requestedThreads(options: BackendOptions): { threads: number; source: string } {
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new Error(`wasm backend: options.threads must be a positive integer, got ${options.threads}`);
    }
    return { threads: options.threads, source: 'options.threads' };
  }
  const env = envThreads();
  if (env) {
    if (env === 'auto') return { threads: availableParallelism(), source: 'GPTFT_WASM_THREADS=auto' };
    if (env === 'off') return { threads: 1, source: 'GPTFT_WASM_THREADS=off' };
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`GPTFT_WASM_THREADS must be a positive integer, "auto" or "off", got "${env}"`);
    }
    return { threads: n, source: `GPTFT_WASM_THREADS=${env}` };
  }
  const cores = availableParallelism();
  const busy = busyCores();
  return {
    threads: idleCoreThreads(cores, busy),
    source: `the default (${cores} cores, ${busy.toFixed(1)} busy)`,
  };
}

/** Initialises tfjs' wasm backend, capturing the reason tfjs only prints when it fails. */
async function initTfjsWasm(): Promise<void> {
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } finally {
    console.warn = originalWarn;
  }
  if (!ok) {
    const reason =
      warnings.filter((w) => !w.startsWith('Initialization of backend')).join(' ') || 'unknown error';
    throw new Error(reason.split('\n')[0]!.trim());
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Referenced on purpose: Emscripten unreferences its workers, and while the main thread only
    // waits for their "loaded" messages nothing else may keep Node's event loop alive.
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Initialises tfjs' wasm backend once per process, with threads when asked for and possible; falls
 * back to one thread with the reason in `state.notes`. Later calls only note a differing request
 * (the wasm module's thread pool is fixed when it is created).
 */
export async function initializeWasm(options: BackendOptions): Promise<void> {
  const { threads, source } = requestedThreads(options);
  if (state.initialized) {
    if (threads !== state.threads && options.threads !== undefined) {
      state.notes = [
        `asked for ${threads} thread(s) by ${source}, but the wasm backend was already initialised ` +
          `with ${state.threads}; the thread count is fixed for the process`,
      ];
    }
    return;
  }
  state.notes = [];
  state.simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  if (tf.findBackend('wasm')) {
    // Someone called tf.setBackend('wasm') before gptft did: adopt that module as it is.
    state.threads = Math.max(1, getThreadsCount());
    if (threads !== state.threads) {
      state.notes.push(`${state.threads} thread(s): tfjs' wasm backend was initialised before gptft's`);
    }
    guardHeapAllocations(tf.findBackend('wasm'));
    state.initialized = true;
    return;
  }
  let threaded = false;
  if (threads > 1) {
    const unsupported =
      threadsUnsupportedReason() ?? (state.simd ? undefined : 'the threaded build needs SIMD');
    if (unsupported) {
      state.notes.push(`1 thread: ${threads} asked for by ${source}, but ${unsupported}`);
    } else {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      setThreadsCount(threads);
      try {
        await withTimeout(
          withNodeThreadPatches(threads, initTfjsWasm),
          THREADED_INIT_TIMEOUT_MS,
          'starting the threaded wasm build',
        );
        threaded = true;
      } catch (error) {
        state.notes.push(
          `1 thread: ${threads} asked for by ${source}, but the threaded build failed to start ` +
            `(${(error as Error).message})`,
        );
      }
    }
  }
  if (!threaded) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
    await initTfjsWasm();
  }
  state.threads = Math.max(1, getThreadsCount());
  if (threaded && state.threads < threads) {
    state.notes.push(
      `${state.threads} threads: the threaded build caps its pool below the ${threads} asked for`,
    );
  }
  guardHeapAllocations(tf.findBackend('wasm'));
  if (threaded) unrefWorkers(tf.findBackend('wasm'));
  state.initialized = true;
}

/**
 * Emscripten keeps the pool's running workers referenced, so a Node process that used threaded
 * wasm would never exit by itself; unreferenced, they end with it.
 */
function unrefWorkers(backend: unknown): void {
  const pthread = (
    backend as { wasm?: { PThread?: { runningWorkers?: unknown[]; unusedWorkers?: unknown[] } } }
  )?.wasm?.PThread;
  for (const worker of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) {
    (worker as { unref?: () => void }).unref?.();
  }
}
