// Errors the WebGPU backend throws instead of computing zeros or garbage. Each names where it
// happened: the kernel (tfjs kernel name, the op that called it, the WebGPU program), or the kernels
// submitted together when the error surfaced at submit time.

const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Base class of the WebGPU backend's errors. `where` says which kernel(s) caused it. */
export class WebGPUError extends Error {
  override name = 'WebGPUError';
  constructor(
    message: string,
    /** Where it happened, e.g. `kernel BatchMatMul (op matMul, program MatMulPackedProgram)`. */
    readonly where: string,
  ) {
    super(message);
  }
}

/** WebGPU rejected a command (GPUValidationError); the results of the kernel(s) named are invalid. */
export class WebGPUValidationError extends WebGPUError {
  override name = 'WebGPUValidationError';
  constructor(
    readonly gpuMessage: string,
    where: string,
  ) {
    super(`WebGPU validation error in ${where}: ${firstLines(gpuMessage)}`, where);
  }
}

/** The GPU ran out of memory while allocating a buffer. */
export class WebGPUOutOfMemoryError extends WebGPUError {
  override name = 'WebGPUOutOfMemoryError';
  constructor(
    readonly gpuMessage: string,
    where: string,
    /** Bytes the backend's buffers held when it happened (tfjs' buffer manager). */
    readonly bytesInUse: number,
  ) {
    super(
      `WebGPU out of memory in ${where} (the backend held ${MiB(bytesInUse)} of GPU buffers): ` +
        `${firstLines(gpuMessage)}. Use a smaller batch or sequence length, gradient checkpointing, ` +
        'or dispose tensors you no longer need.',
      where,
    );
  }
}

/** The GPU device was lost (driver reset, device destroyed); every tensor on it is gone. */
export class WebGPUDeviceLostError extends WebGPUError {
  override name = 'WebGPUDeviceLostError';
  constructor(
    /** The device's lost reason (`destroyed` or `unknown`) and message. */
    readonly reason: string,
    readonly gpuMessage: string,
    where: string,
  ) {
    super(
      `WebGPU device lost (${reason}: ${firstLines(gpuMessage) || 'no message'}) before ${where}. ` +
        "Its tensors are gone; call useBackend('webgpu') again for a new device.",
      where,
    );
  }
}

/** Another GPU error (GPUInternalError, or an error type this version does not know). */
export class WebGPUInternalError extends WebGPUError {
  override name = 'WebGPUInternalError';
  constructor(
    readonly gpuMessage: string,
    where: string,
  ) {
    super(`WebGPU internal error in ${where}: ${firstLines(gpuMessage)}`, where);
  }
}

/**
 * A tensor is larger than one storage-buffer binding may be on this device
 * (`maxStorageBufferBindingSize`): WebGPU would reject the kernel (or, unchecked, compute zeros).
 * Thrown before the kernel runs for its inputs, right after it for its outputs.
 */
export class WebGPUBindingSizeError extends WebGPUError {
  override name = 'WebGPUBindingSizeError';
  constructor(
    readonly kernel: string,
    /** `input 0`, `output`, … */
    readonly tensor: string,
    readonly shape: readonly number[],
    readonly bytes: number,
    readonly limit: number,
    adapter: string,
  ) {
    super(
      `${kernel}: ${tensor} [${shape.join(', ')}] is ${MiB(bytes)}, more than one WebGPU storage binding ` +
        `may hold on this device (maxStorageBufferBindingSize ${MiB(limit)}, ${adapter}). Use a smaller ` +
        'batch or sequence length, or a backend without this limit (wasm).',
      `kernel ${kernel}`,
    );
  }
}

function firstLines(message: string): string {
  // Dawn's messages: the error, then " - While …" context lines; keep them on one line.
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
