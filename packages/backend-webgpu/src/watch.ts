// Turns WebGPU's silent failures into thrown errors that name the kernel.
//
// WebGPU reports a bad command (validation), a failed allocation (out-of-memory) or an internal
// error as an event, not an exception: unhandled, the kernel's output is zeros or garbage and Dawn
// only prints a line. Here:
//   - every tfjs kernel registered for `webgpu` is wrapped: it notes which kernel (and which op
//     called it) is running, checks the device is not lost and no error is pending before it
//     runs, and throws right after it when an error arrived while it ran;
//   - every WebGPU program a kernel runs is checked against `maxStorageBufferBindingSize` before it
//     is encoded (inputs and output): a too-large tensor is refused with WebGPUBindingSizeError;
//   - `onuncapturederror` records the error with where it came from. Dawn (Node) reports device
//     errors synchronously, inside the call that caused them, so buffer/bind-group/pipeline
//     errors are attributed to the exact kernel. Errors of recorded commands surface when the
//     command buffer is finished and submitted, which tfjs does every 15 kernels: they name the
//     batch. Debug mode (`GPTFT_WEBGPU_DEBUG=1`) submits after every kernel, so they name exactly
//     one — at the cost of a submit per kernel. Browsers deliver the event asynchronously; there
//     debug mode also wraps each kernel in error scopes (their results name the kernel) and the
//     error is thrown by the next kernel or read;
//   - reads (`data()`, `dataSync()`) throw a pending error or a lost device instead of returning
//     what a failed command left in the buffer.
// Cost without debug: a few property reads per kernel and one size check per program; nothing
// waits for the GPU.
import { tf } from '@gptft/backend';
import type { BackendValues, DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import {
  WebGPUBindingSizeError,
  WebGPUDeviceLostError,
  type WebGPUError,
  WebGPUInternalError,
  WebGPUOutOfMemoryError,
  WebGPUValidationError,
} from './errors.js';

/** The parts of tfjs-backend-webgpu 4.22's WebGPUBackend that gptft uses (not public API). */
export interface WebGPUBackendInternals {
  device: GPUDevice;
  tensorMap: {
    get(dataId: object):
      | {
          values: BackendValues | null;
          dtype: DataType;
          shape: number[];
          resource?: unknown;
          complexTensorInfos?: { real: TensorInfo; imag: TensorInfo };
        }
      | undefined;
  };
  bufferManager: {
    acquireBuffer(size: number, usage: number): GPUBuffer;
    releaseBuffer(buffer: GPUBuffer, reuse?: boolean): void;
    numBytesAllocated: number;
  };
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  runWebGPUProgram(
    program: { outputShape: number[] },
    inputs: TensorInfo[],
    outputDtype: DataType,
    ...rest: unknown[]
  ): TensorInfo;
  read(dataId: object): Promise<BackendValues>;
  readSync(dataId: object): BackendValues;
  convertAndCacheOnCPU(dataId: object, values: BackendValues): BackendValues;
  disposeData(dataId: object, force?: boolean): boolean;
}

export interface WatchOptions {
  /** Largest storage binding allowed (the device's limit, or lower when configured). */
  bindingLimit: number;
  /** false: leave binding sizes to WebGPU's own validation (for tests of that path). */
  checkBindingSizes: boolean;
  /** Submit after every kernel (and in browsers, error scopes per kernel). */
  debug: boolean;
  /** Errors arrive as events after the call (browsers) rather than inside it (Dawn in Node). */
  asyncErrors: boolean;
  /** The adapter's name, for messages. */
  adapter: string;
}

const watches = new WeakMap<object, DeviceWatch>();
const RECENT = 16;

function bytesOf(shape: readonly number[], dtype: DataType): number {
  const n = shape.reduce((p, d) => p * d, 1);
  return n * (dtype === 'complex64' ? 8 : 4);
}

function summarize(labels: string[]): string {
  if (labels.length <= 6) return labels.join(', ');
  return `${labels.slice(0, 3).join(', ')}, …, ${labels.slice(-2).join(', ')}`;
}

/** The op (`tf.matMul` → `matMul`) that is running the current kernel, if tfjs says. */
function currentOp(): string | undefined {
  const name = (tf.engine() as unknown as { state?: { activeScope?: { name?: string } } }).state?.activeScope
    ?.name;
  return name?.endsWith('__op') ? name.slice(0, -4) : undefined;
}

/** Error watching and binding-size checks for one device (see the top of this file). */
export class DeviceWatch {
  /** Set once the device is lost. */
  lost: { reason: string; message: string } | undefined;
  private pending: WebGPUError | undefined;
  private readonly stack: { label: string; inputs: Record<string, TensorInfo> }[] = [];
  private readonly recent: string[] = [];
  private batch: string[] = [];
  private submitting: string[] | undefined;

  constructor(
    readonly backend: WebGPUBackendInternals,
    readonly options: WatchOptions,
  ) {}

  /** Hooks the device's error events and the backend's submit, program and read paths. */
  attach(): void {
    const { backend } = this;
    const device = backend.device;
    watches.set(backend, this);
    device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
      event.preventDefault?.();
      this.record(event.error, this.where());
    };
    device.lost.then((info) => {
      this.lost = { reason: String(info.reason), message: info.message ?? '' };
    });

    const submit = backend.submitQueue.bind(backend);
    backend.submitQueue = () => {
      const batch = this.batch;
      this.batch = [];
      this.submitting = batch;
      try {
        submit();
      } finally {
        this.submitting = undefined;
      }
    };

    const run = backend.runWebGPUProgram.bind(backend);
    backend.runWebGPUProgram = (program, inputs, outputDtype, ...rest) => {
      const frame = this.stack.at(-1);
      const kernel = frame?.label ?? 'a kernel';
      const programName = (program as { constructor?: { name?: string } }).constructor?.name ?? 'program';
      if (this.options.checkBindingSizes) {
        const limit = this.options.bindingLimit;
        for (const t of inputs) {
          const bytes = bytesOf(t.shape, t.dtype);
          if (bytes <= limit) continue;
          // Name it as the caller knows it: the kernel's input it came from, if it is one.
          const named = Object.entries(frame?.inputs ?? {}).find(([, k]) => k?.dataId === t.dataId);
          const [what, shape] = named ? [`input ${named[0]}`, named[1].shape] : ['an intermediate', t.shape];
          throw new WebGPUBindingSizeError(kernel, what, shape, bytes, limit, this.options.adapter);
        }
        const outBytes = bytesOf(program.outputShape, outputDtype);
        if (outBytes > limit) {
          throw new WebGPUBindingSizeError(
            kernel,
            'output',
            program.outputShape,
            outBytes,
            limit,
            this.options.adapter,
          );
        }
      }
      this.batch.push(`${kernel} [${programName}]`);
      return run(program, inputs, outputDtype, ...rest);
    };

    if (!this.options.asyncErrors) {
      // Dawn reports a failed buffer, bind group or pipeline inside the call: throw it there, before
      // tfjs records a command using the invalid object (which would fail the whole batch).
      const calls = [
        'createBuffer',
        'createBindGroup',
        'createComputePipeline',
        'createShaderModule',
      ] as const;
      const methods = device as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const name of calls) {
        const call = methods[name]!.bind(device);
        methods[name] = (...args: unknown[]) => {
          const result = call(...args);
          if (this.pending) this.throwIfFailed(name);
          return result;
        };
      }
    }

    const read = backend.read.bind(backend);
    backend.read = async (dataId: object) => {
      this.throwIfFailed('reading a tensor');
      let values: BackendValues;
      try {
        values = await read(dataId);
      } catch (error) {
        this.throwIfFailed('reading a tensor');
        throw error;
      }
      this.throwIfFailed('reading a tensor');
      return values;
    };
  }

  /** Replaces readSync (Node: the canvas route tfjs takes does not exist there). */
  setReadSync(readSync: (dataId: object) => BackendValues): void {
    this.backend.readSync = (dataId: object) => {
      this.throwIfFailed('reading a tensor');
      const values = readSync(dataId);
      this.throwIfFailed('reading a tensor');
      return values;
    };
  }

  /** Throws the lost-device error or the pending error (once), naming `before`. */
  throwIfFailed(before: string): void {
    if (this.lost) throw new WebGPUDeviceLostError(this.lost.reason, this.lost.message, before);
    const e = this.pending;
    if (e) {
      this.pending = undefined;
      throw e;
    }
  }

  /** Records a GPU error (the first one wins until it is thrown). */
  record(error: GPUError, where: string): void {
    if (this.pending) return;
    const message = error?.message ?? String(error);
    const type = (error as { constructor?: { name?: string } })?.constructor?.name ?? '';
    if (type === 'GPUOutOfMemoryError') {
      this.pending = new WebGPUOutOfMemoryError(message, where, this.backend.bufferManager.numBytesAllocated);
    } else if (type === 'GPUValidationError') {
      this.pending = new WebGPUValidationError(message, where);
    } else {
      this.pending = new WebGPUInternalError(message, where);
    }
  }

  /** Where an error reported right now comes from (kernel labels carry the program too). */
  private where(): string {
    const s = this.submitting;
    if (s) {
      if (s.length === 0) return 'a copy submitted to the GPU';
      if (s.length === 1) return `kernel ${s[0]}`;
      return (
        `one of the ${s.length} kernels submitted together (${summarize(s)}); ` +
        'GPTFT_WEBGPU_DEBUG=1 submits after every kernel and names the exact one'
      );
    }
    const current = this.stack.at(-1)?.label;
    if (current && !this.options.asyncErrors) return `kernel ${current}`;
    return `one of the last kernels (${summarize(this.recent)}); the error arrived after them`;
  }

  /** Runs one kernel under watch. */
  runKernel(name: string, inner: KernelFunc, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
    const op = currentOp();
    const label = op ? `${name} (op ${op})` : name;
    this.throwIfFailed(`kernel ${label}`);
    this.stack.push({ label, inputs: args.inputs as Record<string, TensorInfo> });
    this.recent.push(label);
    if (this.recent.length > RECENT) this.recent.shift();
    const device = this.backend.device;
    const scoped = this.options.debug && this.options.asyncErrors;
    if (scoped) {
      device.pushErrorScope('internal');
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
    }
    let out: TensorInfo | TensorInfo[];
    try {
      out = inner(args);
    } finally {
      this.stack.pop();
      if (scoped) {
        for (let i = 0; i < 3; i++) {
          device.popErrorScope().then((e) => {
            if (e) this.record(e, `kernel ${label}`);
          });
        }
      }
    }
    if (this.pending) {
      for (const t of Array.isArray(out) ? out : [out]) this.backend.disposeData(t.dataId, true);
      this.throwIfFailed(`kernel ${label}`);
    }
    return out;
  }
}

const wrapped = new WeakSet<KernelFunc>();

/**
 * Wraps every kernel registered for tfjs' `webgpu` backend (idempotent; kernels registered later
 * are wrapped on the next `useBackend('webgpu')`). Returns how many were wrapped now.
 */
export function watchWebGPUKernels(): number {
  let count = 0;
  for (const config of tf.getKernelsForBackend('webgpu') as KernelConfig[]) {
    if (wrapped.has(config.kernelFunc)) continue;
    const inner = config.kernelFunc;
    const name = config.kernelName;
    const kernelFunc: KernelFunc = (args) => {
      const watch = watches.get(args.backend as object);
      return watch ? watch.runKernel(name, inner, args) : inner(args);
    };
    wrapped.add(kernelFunc);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...config, kernelFunc });
    count++;
  }
  return count;
}
