/**
 * @gptft/backend-wasm — the embedded default backend: TensorFlow.js' WebAssembly build (XNNPACK,
 * SIMD, optionally threads). Importing this package registers it; `useBackend('wasm')` or
 * `useBackend('auto')` selects it.
 */
import '@tensorflow/tfjs-backend-wasm';
import { type BackendOptions, type TensorBackend, registerBackend } from '@gptft/backend';
import { initializeWasm, state } from './initialize.js';
import { installWasmKernels, installedWasmKernels, uninstallWasmKernels } from './kernels.js';

export {
  fastMatMulInstalled,
  installFastMatMul,
  setFastMatMulEngine,
  setFastMatMulRoute,
  uninstallFastMatMul,
} from './fast-mat-mul.js';
export { packedWeightFloats } from './gemm.js';
export { fastMatMulStats, resetFastMatMulStats } from './mat-mul-stats.js';
export { idleCoreThreads, requestedThreads } from './initialize.js';
export { installedWasmKernels, installWasmKernels, uninstallWasmKernels } from './kernels.js';
export { threadsUnsupportedReason } from './threads.js';
/** tfjs' wasm binaries' location (a page serves `@tensorflow/tfjs-backend-wasm/dist/*.wasm`). */
export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
export { transposeMatrices } from './transpose.js';
export { WasmHeapExhaustedError } from './wasm-internals.js';

/**
 * The wasm backend. Options (`useBackend('wasm', options)`):
 * - `threads`: worker threads for XNNPACK (default: `GPTFT_WASM_THREADS`, else one per core the
 *   machine leaves idle, see `idleCoreThreads`). Fixed by the first initialisation in a process;
 *   when threads cannot start, it runs on one and says why.
 * - `fastKernels` (or the older name `fastMatMul`): `false` leaves tfjs-wasm's own kernels and
 *   gptft's default kernels (for comparisons). gptft's wasm kernels are registered here, when the
 *   backend is initialised, not on import.
 */
export const wasmBackend: TensorBackend = {
  name: 'wasm',
  tfjsName: 'wasm',
  packages: ['@gptft/backend-wasm'],
  priority: 20,
  async initialize(options: BackendOptions) {
    await initializeWasm(options);
    if ((options.fastKernels ?? options.fastMatMul) === false) uninstallWasmKernels();
    else installWasmKernels();
  },
  capabilities() {
    return { threads: state.threads, simd: state.simd, gpu: false, float16: false };
  },
  describe() {
    const parts = [
      state.simd ? 'SIMD' : 'no SIMD',
      `${state.threads} thread${state.threads === 1 ? '' : 's'}`,
      installedWasmKernels().length > 0
        ? `gptft kernels (${installedWasmKernels().join(', ')})`
        : "tfjs' kernels",
    ];
    return [parts.join(', '), ...state.notes].join('; ');
  },
};

registerBackend(wasmBackend);
