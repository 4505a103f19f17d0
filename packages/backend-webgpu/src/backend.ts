// The `webgpu` gptft backend: tfjs-backend-webgpu's kernels on a device gptft creates itself (so
// that it controls the limits, the error handling and, in Node, synchronous reads).
import { BackendUnavailableError, type BackendCapabilities, type TensorBackend, tf } from '@gptft/backend';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { type AdapterSummary, adapterName, softwareAdapterReason, summarizeAdapter } from './adapter.js';
import { installWebGPUKernels } from './kernels.js';
import { DeviceWatch, type WebGPUBackendInternals, watchWebGPUKernels } from './watch.js';

export const PACKAGES = ['@gptft/backend-webgpu'] as const;

/** Options of the WebGPU backend (`setWebGPUOptions`); each has an environment variable too. */
export interface WebGPUOptions {
  /**
   * Submit after every kernel so that a GPU error names exactly the kernel that caused it (in
   * browsers, also an error scope per kernel). Slower. Default: `GPTFT_WEBGPU_DEBUG=1`.
   */
  debug?: boolean;
  /**
   * Refuse tensors larger than this many bytes per storage binding, below the device's own
   * `maxStorageBufferBindingSize` (e.g. 128 MiB to check that a run fits lavapipe or a
   * default-limits browser). Default: `GPTFT_WEBGPU_MAX_BINDING_BYTES`, else the device's limit.
   */
  maxStorageBufferBindingSize?: number;
  /**
   * Ask the device for the adapter's largest limits (default true). `false` takes WebGPU's
   * defaults (128 MiB per storage binding, 256 MiB per buffer) — what a page gets by default.
   */
  adapterLimits?: boolean;
  /** false: do not check binding sizes before kernels (WebGPU's validation still reports them). */
  checkBindingSizes?: boolean;
  /** Which GPU when there are several (default `high-performance`). */
  powerPreference?: GPUPowerPreference;
  /** Node: flags for Dawn (`create()` of the webgpu package), e.g. `['backend=vulkan']`. */
  dawnFlags?: string[];
  /**
   * Node: how long `dataSync()` waits for the GPU, in ms (`GPTFT_WEBGPU_SYNC_TIMEOUT_MS`; default: no
   * limit — a hung GPU is reported by the driver as a lost device, which fails the read).
   */
  syncTimeoutMs?: number;
}

let configured: WebGPUOptions = {};

/**
 * Sets the WebGPU backend's options; they apply from the next `useBackend('webgpu')` (a new device
 * is created when they changed — tensors on the old one are gone).
 */
export function setWebGPUOptions(options: WebGPUOptions): void {
  configured = { ...options };
}

function effectiveOptions(): Required<Omit<WebGPUOptions, 'maxStorageBufferBindingSize'>> & {
  maxStorageBufferBindingSize?: number;
} {
  const env = typeof process !== 'undefined' ? process.env : {};
  const envBytes = env.GPTFT_WEBGPU_MAX_BINDING_BYTES
    ? Number(env.GPTFT_WEBGPU_MAX_BINDING_BYTES)
    : undefined;
  return {
    debug: configured.debug ?? env.GPTFT_WEBGPU_DEBUG === '1',
    maxStorageBufferBindingSize: configured.maxStorageBufferBindingSize ?? envBytes,
    adapterLimits: configured.adapterLimits ?? true,
    checkBindingSizes: configured.checkBindingSizes ?? true,
    powerPreference: configured.powerPreference ?? 'high-performance',
    dawnFlags: configured.dawnFlags ?? [],
    syncTimeoutMs:
      configured.syncTimeoutMs ?? Number(env.GPTFT_WEBGPU_SYNC_TIMEOUT_MS ?? Number.POSITIVE_INFINITY),
  };
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
/** A browser (or worker) with WebGPU: navigator.gpu is there and we did not put it there. */
function browserGpu(): GPU | undefined {
  if (isNode) return undefined;
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

// node-gpu.ts is imported only in Node (it loads node: modules and the webgpu package).
const nodeModulePath = './node-gpu.js';
type NodeGpuModule = typeof import('./node-gpu.js');
let nodeModule: Promise<NodeGpuModule> | undefined;
function nodeGpuModule(): Promise<NodeGpuModule> {
  nodeModule ??= import(/* @vite-ignore */ nodeModulePath) as Promise<NodeGpuModule>;
  return nodeModule;
}

interface State {
  key: string;
  backend: WebGPUBackendInternals;
  watch: DeviceWatch;
  adapter: AdapterSummary;
  device: GPUDevice;
  bindingLimit: number;
  debug: boolean;
}
let state: State | undefined;

async function nodeGpu(flags: string[]): Promise<GPU> {
  const node = await nodeGpuModule();
  let mod: Awaited<ReturnType<NodeGpuModule['loadWebgpuPackage']>>;
  try {
    mod = await node.loadWebgpuPackage();
  } catch (error) {
    const message = (error as Error).message?.split('\n')[0] ?? String(error);
    throw new BackendUnavailableError(
      'webgpu',
      PACKAGES,
      `loading the webgpu package (Dawn) failed: ${message}`,
    );
  }
  const gpu = mod.create(flags);
  node.setNavigatorGpu(gpu);
  return gpu;
}

async function noAdapterReason(options: ReturnType<typeof effectiveOptions>): Promise<string> {
  if (!isNode) {
    return 'navigator.gpu.requestAdapter() returned null: WebGPU is disabled or no GPU is usable in this browser';
  }
  const node = await nodeGpuModule();
  return `no WebGPU adapter: ${node.explainNoAdapter(await node.probeAdapterInChild(options.dawnFlags, options.powerPreference))}`;
}

async function createDevice(options: ReturnType<typeof effectiveOptions>): Promise<State> {
  let gpu = browserGpu();
  if (!gpu) {
    if (!isNode) {
      throw new BackendUnavailableError(
        'webgpu',
        PACKAGES,
        'this browser has no WebGPU (navigator.gpu is missing)',
      );
    }
    gpu = await nodeGpu(options.dawnFlags);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) throw new BackendUnavailableError('webgpu', PACKAGES, await noAdapterReason(options));
  const summary = await summarizeAdapter(adapter);
  const l = adapter.limits;
  const requiredLimits: Record<string, number> = options.adapterLimits
    ? {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      }
    : {};
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (error) {
    throw new BackendUnavailableError(
      'webgpu',
      PACKAGES,
      `requesting a device from ${adapterName(summary)} failed: ${(error as Error).message}`,
    );
  }
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const backend = new WebGPUBackend(device, info) as unknown as WebGPUBackendInternals;
  const deviceLimit = device.limits.maxStorageBufferBindingSize;
  const bindingLimit = Math.min(deviceLimit, options.maxStorageBufferBindingSize ?? deviceLimit);
  const watch = new DeviceWatch(backend, {
    bindingLimit,
    checkBindingSizes: options.checkBindingSizes,
    debug: options.debug,
    asyncErrors: !isNode,
    adapter: adapterName(summary),
  });
  watch.attach();
  if (isNode) {
    const { makeNodeReadSync } = await import('./read-sync.js');
    watch.setReadSync(makeNodeReadSync(watch, options.syncTimeoutMs));
  }
  return {
    key: JSON.stringify(options),
    backend,
    watch,
    adapter: summary,
    device,
    bindingLimit,
    debug: options.debug,
  };
}

const MiB = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;

/** The adapter and limits in use (undefined before the backend was initialised). */
export function webgpuInfo():
  | { adapter: AdapterSummary; bindingLimit: number; debug: boolean; device: GPUDevice }
  | undefined {
  return (
    state && {
      adapter: state.adapter,
      bindingLimit: state.bindingLimit,
      debug: state.debug,
      device: state.device,
    }
  );
}

const autoChecks = new Map<string, Promise<string | undefined>>();

/**
 * The WebGPU backend. `auto` takes it only when the adapter is a real GPU (software ones —
 * SwiftShader, lavapipe, llvmpipe, WARP — are skipped with the reason); `useBackend('webgpu')`
 * takes any adapter.
 */
export const webgpuBackend: TensorBackend = {
  name: 'webgpu',
  tfjsName: 'webgpu',
  packages: PACKAGES,
  priority: 35,
  async initialize() {
    const options = effectiveOptions();
    const key = JSON.stringify(options);
    if (
      state &&
      state.key === key &&
      !state.watch.lost &&
      tf.findBackend('webgpu') === (state.backend as unknown)
    ) {
      installWebGPUKernels();
      watchWebGPUKernels();
      return;
    }
    const next = await createDevice(options);
    // tfjs-backend-webgpu registers a factory of its own where navigator.gpu exists (browsers):
    // ours replaces it (findBackend would start initialising it).
    const engine = tf.engine() as unknown as { registryFactory: Record<string, unknown> };
    if ('webgpu' in engine.registryFactory) tf.removeBackend('webgpu');
    if (state && state.device !== next.device) state.device.destroy();
    tf.registerBackend('webgpu', () => next.backend as unknown as WebGPUBackend, 3);
    installWebGPUKernels(); // before the watch wraps them
    watchWebGPUKernels();
    // tfjs submits recorded commands every N kernels; debug mode submits after each one.
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', options.debug ? 1 : 15);
    state = next;
  },
  async autoSkipReason() {
    const options = effectiveOptions();
    const icd = typeof process !== 'undefined' ? process.env?.VK_ICD_FILENAMES : undefined;
    const key = JSON.stringify([options.dawnFlags, options.powerPreference, icd]);
    let check = autoChecks.get(key);
    if (!check) {
      check = (async () => {
        let summary: AdapterSummary | undefined;
        const gpu = browserGpu();
        if (gpu) {
          const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
          if (!adapter) throw new BackendUnavailableError('webgpu', PACKAGES, await noAdapterReason(options));
          summary = await summarizeAdapter(adapter);
        } else if (isNode) {
          // In a child process: Dawn and the Vulkan loader print their complaints to stderr.
          const node = await nodeGpuModule();
          const probe = await node.probeAdapterInChild(options.dawnFlags, options.powerPreference);
          if (!probe.adapter) {
            throw new BackendUnavailableError(
              'webgpu',
              PACKAGES,
              `no WebGPU adapter: ${node.explainNoAdapter(probe)}`,
            );
          }
          summary = probe.adapter;
        } else {
          throw new BackendUnavailableError(
            'webgpu',
            PACKAGES,
            'this browser has no WebGPU (navigator.gpu is missing)',
          );
        }
        const software = softwareAdapterReason(summary);
        return software && `${software}; useBackend('webgpu') runs on it anyway`;
      })();
      autoChecks.set(key, check);
    }
    return check;
  },
  capabilities(): BackendCapabilities {
    return {
      threads: 1,
      simd: false,
      gpu: true,
      float16: false,
      fastTransposedMatMul: true,
      fastBatchedMatMul: true,
    };
  },
  describe() {
    if (!state) return 'not initialised';
    const software = softwareAdapterReason(state.adapter) ? ', software' : '';
    const capped = state.bindingLimit < state.device.limits.maxStorageBufferBindingSize ? ' (capped)' : '';
    return (
      `${adapterName(state.adapter)}${software}; float32; maxStorageBufferBindingSize ` +
      `${MiB(state.bindingLimit)}${capped}${state.debug ? '; debug: submit after every kernel' : ''}`
    );
  },
};
