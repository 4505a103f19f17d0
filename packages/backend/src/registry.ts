import { BackendUnavailableError } from './errors.js';
import { resolveFromApp } from './resolve-from-app.js';
import { tf } from './tf.js';

/** The gptft names of the backends; third-party packages may register others. */
export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'tensorflow-gpu' | 'webgpu' | (string & {});

/** What a backend can do, as far as gptft's numerical code cares. */
export interface BackendCapabilities {
  /** Worker threads the backend computes with (1 = single-threaded). */
  threads: number;
  /** Whether SIMD kernels are in use. */
  simd: boolean;
  /** Whether tensors live on a GPU. */
  gpu: boolean;
  /** Whether float16 tensors are computed natively (otherwise they are upcast to float32). */
  float16: boolean;
  /**
   * @deprecated No longer read: ops do not ask which backend runs; a backend makes matMul fast by
   * registering its `BatchMatMul` kernel. Kept so backends written against 0.1 still compile.
   */
  fastTransposedMatMul?: boolean;
  /** @deprecated No longer read (see `fastTransposedMatMul`). */
  fastBatchedMatMul?: boolean;
}

/** Options a backend may honour when it is initialised. */
export interface BackendOptions {
  /** Number of threads, where the backend supports it (default: all cores the backend allows). */
  threads?: number;
  /**
   * Whether the backend registers its own kernels (default true; the wasm backend honours it).
   * `false` leaves tfjs' kernels and gptft's defaults, for comparisons.
   */
  fastKernels?: boolean;
  /** @deprecated Same as `fastKernels` (the name before the kernel registry). */
  fastMatMul?: boolean;
}

/**
 * A tensor backend: the small description a backend package implements and registers
 * (see `@gptft/backend-wasm` for a complete one).
 */
export interface TensorBackend {
  /** gptft name, used with `useBackend(name)`. */
  readonly name: BackendName;
  /** The name under which the backend registers itself with tfjs-core. */
  readonly tfjsName: string;
  /** npm packages a user installs to get it (first: the gptft package). */
  readonly packages: readonly string[];
  /** Higher wins when `auto` chooses. */
  readonly priority: number;
  /**
   * Registers the backend's kernels with tfjs-core and makes it usable. Throws
   * `BackendUnavailableError` (with the reason) when it cannot run on this machine.
   */
  initialize(options: BackendOptions): Promise<void>;
  /** Capabilities once initialised. */
  capabilities(): BackendCapabilities;
  /**
   * Optional: one line on how the backend is configured once initialised, including anything asked
   * for that it could not do and why (e.g. `SIMD, 1 thread (threads off: SharedArrayBuffer is not
   * available)`). `useBackend` appends it to `ActiveBackend.reason`.
   */
  describe?(): string;
  /**
   * Optional: asked by `auto` before it initialises this backend. A returned string is why `auto`
   * passes it over although it would run (e.g. WebGPU on a software adapter); `useBackend(name)`
   * still selects it. Throwing `BackendUnavailableError` means it cannot run here at all.
   */
  autoSkipReason?(options: BackendOptions): Promise<string | undefined>;
}

/** The backend in use, with why it was chosen. */
export interface ActiveBackend {
  readonly name: BackendName;
  readonly capabilities: BackendCapabilities;
  /** One line on how it was chosen, e.g. which backends `auto` skipped and why. */
  readonly reason: string;
}

/** The first-party backends and the packages that provide them, best first. */
export const KNOWN_BACKENDS: readonly { name: BackendName; packages: readonly string[]; priority: number }[] =
  [
    {
      name: 'tensorflow-gpu',
      packages: ['@gptft/backend-node-gpu', '@tensorflow/tfjs-node-gpu'],
      priority: 40,
    },
    { name: 'webgpu', packages: ['@gptft/backend-webgpu'], priority: 35 },
    { name: 'tensorflow', packages: ['@gptft/backend-node', '@tensorflow/tfjs-node'], priority: 30 },
    { name: 'wasm', packages: ['@gptft/backend-wasm'], priority: 20 },
    { name: 'cpu', packages: ['@gptft/backend-cpu'], priority: 10 },
  ];

const registered = new Map<string, TensorBackend>();
let active: ActiveBackend | undefined;

/** Called by a backend package when it is imported. Registering the same name twice replaces it. */
export function registerBackend(backend: TensorBackend): void {
  registered.set(backend.name, backend);
}

/** Backends registered so far (imported packages), best first. */
export function registeredBackends(): TensorBackend[] {
  return [...registered.values()].sort((a, b) => b.priority - a.priority);
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(specifier)
  );
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

/**
 * Imports a backend package so that it registers itself. Looks first where this package can
 * see (hoisted installs), then from the application's own folder (pnpm's strict layout).
 */
async function importBackendPackage(name: BackendName, packages: readonly string[]): Promise<TensorBackend> {
  const existing = registered.get(name);
  if (existing) return existing;
  const specifier = packages[0]!;
  try {
    await import(specifier);
  } catch (error) {
    if (!isModuleNotFound(error, specifier)) {
      throw new BackendUnavailableError(name, packages, `loading ${specifier} failed: ${firstLine(error)}`);
    }
    let resolved: string;
    try {
      resolved = resolveFromApp(specifier);
    } catch {
      throw new BackendUnavailableError(name, packages, `the package ${specifier} is not installed`);
    }
    try {
      await import(/* @vite-ignore */ resolved);
    } catch (inner) {
      throw new BackendUnavailableError(name, packages, `loading ${specifier} failed: ${firstLine(inner)}`);
    }
  }
  const backend = registered.get(name);
  if (!backend) {
    throw new BackendUnavailableError(
      name,
      packages,
      `${specifier} was loaded but registered no backend "${name}"`,
    );
  }
  return backend;
}

async function activate(
  backend: TensorBackend,
  options: BackendOptions,
  reason: string,
): Promise<ActiveBackend> {
  try {
    await backend.initialize(options);
    const ok = await tf.setBackend(backend.tfjsName);
    if (!ok) throw new Error(`tfjs could not initialise backend "${backend.tfjsName}"`);
    await tf.ready();
  } catch (error) {
    if (error instanceof BackendUnavailableError) throw error;
    throw new BackendUnavailableError(backend.name, backend.packages, firstLine(error));
  }
  const details = backend.describe?.();
  active = {
    name: backend.name,
    capabilities: backend.capabilities(),
    reason: details ? `${reason}; ${details}` : reason,
  };
  return active;
}

/**
 * Selects the backend all gptft packages compute with.
 *
 * - a name (`'wasm'`, `'cpu'`, `'tensorflow'`, `'tensorflow-gpu'`, or one a package registered):
 *   that backend, or a `BackendUnavailableError` naming the package to install and why.
 * - `'auto'` (default): the best one that loads, in the order tensorflow-gpu > webgpu (a real GPU
 *   adapter only) > tensorflow > wasm > cpu; the result's `reason` says which were skipped and why.
 */
export async function useBackend(
  name: BackendName | 'auto' = 'auto',
  options: BackendOptions = {},
): Promise<ActiveBackend> {
  if (name !== 'auto') {
    const known = KNOWN_BACKENDS.find((b) => b.name === name);
    const backend =
      registered.get(name) ??
      (known
        ? await importBackendPackage(name, known.packages)
        : (() => {
            throw new BackendUnavailableError(
              name,
              [`a package that registers backend "${name}"`],
              `unknown backend; known: ${KNOWN_BACKENDS.map((b) => b.name).join(', ')}`,
            );
          })());
    return activate(backend, options, `asked for "${name}"`);
  }
  const skipped: string[] = [];
  const candidates = new Map<string, { priority: number; load: () => Promise<TensorBackend> }>();
  for (const b of registered.values()) candidates.set(b.name, { priority: b.priority, load: async () => b });
  for (const k of KNOWN_BACKENDS) {
    if (!candidates.has(k.name)) {
      candidates.set(k.name, { priority: k.priority, load: () => importBackendPackage(k.name, k.packages) });
    }
  }
  const ordered = [...candidates.entries()].sort((a, b) => b[1].priority - a[1].priority);
  for (const [candidate, { load }] of ordered) {
    try {
      const backend = await load();
      const skip = await backend.autoSkipReason?.(options);
      if (skip) {
        skipped.push(`${candidate}: ${skip}`);
        continue;
      }
      const reason = skipped.length
        ? `auto picked "${candidate}" (skipped: ${skipped.join('; ')})`
        : `auto picked "${candidate}"`;
      return await activate(backend, options, reason);
    } catch (error) {
      skipped.push(
        `${candidate}: ${error instanceof BackendUnavailableError ? error.reason : firstLine(error)}`,
      );
    }
  }
  throw new BackendUnavailableError(
    'auto',
    ['@gptft/backend-wasm'],
    `no backend could be loaded (${skipped.join('; ')})`,
  );
}

/** The backend selected by `useBackend`, or undefined before the first call. */
export function currentBackend(): ActiveBackend | undefined {
  return active;
}

/**
 * Capabilities of the backend tfjs is computing with right now (`tf.getBackend()`), as declared by
 * the gptft backend registered under that tfjs name; undefined for a backend gptft does not know.
 * For information (reports, benchmarks): no op consults it.
 */
export function activeCapabilities(): BackendCapabilities | undefined {
  const tfjsName = tf.getBackend();
  const chosen = active && registered.get(active.name);
  if (chosen?.tfjsName === tfjsName) return chosen.capabilities();
  for (const b of registered.values()) if (b.tfjsName === tfjsName) return b.capabilities();
  return undefined;
}

/** `currentBackend()`, selecting `auto` first if nothing is selected yet. */
export async function ensureBackend(): Promise<ActiveBackend> {
  return active ?? useBackend('auto');
}
