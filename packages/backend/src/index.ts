/**
 * @gptft/backend — the floor of gptft. Every numerical package takes tensors and ops from here:
 * `tf` (tfjs-core, with gradients registered), backend selection, fast ops, memory stats.
 */
export { tf } from './tf.js';
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Variable, Rank, DataType } from './tf.js';
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
export { mulberry32, SeededRandom } from './random.js';
export { IGNORE_INDEX, shiftLabels } from './labels.js';
