/**
 * The shared implementation of `@gptft/backend-node` and `@gptft/backend-node-gpu`: a gptft
 * `TensorBackend` over a TensorFlow.js Node binding (`@tensorflow/tfjs-node` or `-gpu`), loaded
 * only when the backend is selected, so the gptft package installs and imports without it.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackendUnavailableError, type TensorBackend, tf } from '@gptft/backend';

/** The binding's shape as gptft uses it (see tfjs-node.d.ts). */
type TfjsNodeModule = typeof import('@tensorflow/tfjs-node');

/** What tfjs-node's backend instance tells about itself. */
interface NodeKernelBackend {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

/** The tfjs version gptft is built against; the binding must match it. */
export const TFJS_VERSION = '4.22.0';

export interface TfjsNodeBackendSpec {
  /** gptft name: `tensorflow` or `tensorflow-gpu`. */
  name: string;
  /** npm name of the binding: `@tensorflow/tfjs-node` or `@tensorflow/tfjs-node-gpu`. */
  module: string;
  /** npm packages to install, first the gptft one. */
  packages: readonly string[];
  priority: number;
  /** Whether this binding is the CUDA build. */
  gpu: boolean;
  /**
   * Where to load the binding from instead of resolving `module` (a path or file URL). For tests
   * and unusual layouts.
   */
  load?: string;
  /** One line added to "not installed" errors (e.g. what the install downloads). */
  installHint?: string;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

function isNotFound(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(`'${specifier}'`)
  );
}

/** Imports the binding: from this package's dependencies, else from the application's folder. */
async function importBinding(spec: TfjsNodeBackendSpec): Promise<TfjsNodeModule> {
  const unavailable = (reason: string) => new BackendUnavailableError(spec.name, spec.packages, reason);
  if (spec.load) {
    const url = spec.load.startsWith('file:') ? spec.load : pathToFileURL(spec.load).href;
    try {
      return (await import(url)) as TfjsNodeModule;
    } catch (error) {
      throw unavailable(`loading ${spec.module} failed: ${firstLine(error)}`);
    }
  }
  try {
    return (await import(spec.module)) as TfjsNodeModule;
  } catch (error) {
    if (!isNotFound(error, spec.module))
      throw unavailable(`loading ${spec.module} failed: ${firstLine(error)}`);
  }
  let resolved: string;
  try {
    resolved = createRequire(join(process.cwd(), 'noop.js')).resolve(spec.module);
  } catch {
    throw unavailable(`${spec.module} is not installed${spec.installHint ? ` (${spec.installHint})` : ''}`);
  }
  try {
    return (await import(pathToFileURL(resolved).href)) as TfjsNodeModule;
  } catch (error) {
    throw unavailable(`loading ${spec.module} failed: ${firstLine(error)}`);
  }
}

/** Creates (does not register) a gptft backend over a tfjs Node binding. */
export function createTfjsNodeBackend(spec: TfjsNodeBackendSpec): TensorBackend {
  let loaded: { version: string; usingGpu: boolean } | undefined;
  return {
    name: spec.name,
    tfjsName: 'tensorflow',
    packages: spec.packages,
    priority: spec.priority,
    async initialize() {
      if (loaded) return;
      const binding = await importBinding(spec);
      const version = binding.version?.['tfjs-node'] ?? 'unknown';
      if (!tf.findBackendFactory('tensorflow')) {
        throw new BackendUnavailableError(
          spec.name,
          spec.packages,
          `${spec.module} ${version} registered its backend with another copy of @tensorflow/tfjs-core ` +
            `(gptft uses ${tf.version_core}); install @tensorflow/tfjs-core ${TFJS_VERSION} once, deduplicated`,
        );
      }
      if (version !== TFJS_VERSION) {
        throw new BackendUnavailableError(
          spec.name,
          spec.packages,
          `${spec.module} ${version} is installed, gptft needs ${TFJS_VERSION} (the tfjs-core it is built on)`,
        );
      }
      if (!(await tf.setBackend('tensorflow'))) {
        throw new BackendUnavailableError(
          spec.name,
          spec.packages,
          `${spec.module} loaded but TensorFlow did not start`,
        );
      }
      const backend = tf.backend() as unknown as NodeKernelBackend;
      loaded = { version, usingGpu: backend.isUsingGpuDevice === true };
    },
    capabilities() {
      return {
        threads: availableParallelism(),
        simd: true,
        gpu: loaded?.usingGpu ?? false,
        float16: false,
      };
    },
    describe() {
      if (!loaded) return `${spec.module} not loaded`;
      const device = loaded.usingGpu
        ? 'CUDA GPU'
        : spec.gpu
          ? 'CPU — no CUDA device in use (check CUDA 11.2 / cuDNN 8.1 and the driver; see the README)'
          : 'CPU';
      return `${spec.module} ${loaded.version}, TensorFlow on ${device}`;
    },
  };
}
