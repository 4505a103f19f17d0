/**
 * @gptft/backend — the floor of gptft. Every numerical package takes tensors and ops from here:
 * `tf` (tfjs-core, with gradients registered), backend selection, fast ops, memory stats.
 */
export { tf } from './tf.js';
// Scalar, Tensor, Tensor1D…4D, Variable, Rank, DataType (and the chained ops' type augmentations)
export type * from './tf.js';
export { BackendUnavailableError } from './errors.js';
export {
  KNOWN_BACKENDS,
  registerBackend,
  registeredBackends,
  useBackend,
  currentBackend,
  ensureBackend,
  type ActiveBackend,
  type BackendCapabilities,
  type BackendName,
  type BackendOptions,
  type TensorBackend,
} from './registry.js';
export { memoryStats, trackPeakMemory, type MemoryStats } from './memory.js';
export { matMul } from './ops/mat-mul.js';
export { activeCapabilities } from './registry.js';
export { embedding } from './ops/embedding.js';
export { crossEntropy, type CrossEntropyOptions } from './ops/cross-entropy.js';
export {
  fusedLinearCrossEntropy,
  type FusedLinearCrossEntropyOptions,
  type FusedLinearCrossEntropyResult,
} from './ops/fused-linear-cross-entropy.js';
export { gradientNode, recordingGradients, type SaveFunc } from './ops/gradient.js';
export {
  defineKernel,
  gptftKernelNames,
  kernelImplementation,
  registerKernel,
  runKernel,
  type DefaultKernel,
  type KernelConfig,
  type KernelFunc,
} from './kernels.js';
export { Attention, FusedLinearCrossEntropy, SoftmaxCrossEntropy } from './kernel-names.js';
export { attention, type AttentionOptions } from './ops/attention.js';
export { mulberry32, SeededRandom } from './random.js';
export { IGNORE_INDEX, shiftLabels } from './labels.js';
export { type HostIo, readInto, registerHostIo, tensorFromCopy } from './host-io.js';
export {
  GEMM_PACK_FLOATS,
  HostFloatMemory,
  type SimdKernels,
  simdKernels,
  simdKernelsModule,
  type WasmMemory,
} from './simd-kernels.js';
