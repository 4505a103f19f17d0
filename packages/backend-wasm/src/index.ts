/**
 * @gptft/backend-wasm — the embedded default backend: TensorFlow.js' WebAssembly build (XNNPACK,
 * SIMD, optionally threads). Importing this package registers it; `useBackend('wasm')` or
 * `useBackend('auto')` selects it.
 */
import '@tensorflow/tfjs-backend-wasm';
import { type BackendOptions, type TensorBackend, registerBackend } from '@gptft/backend';
import { fastMatMulInstalled, installFastMatMul, uninstallFastMatMul } from './fast-mat-mul.js';
import { initializeWasm, state } from './initialize.js';

export {
  fastMatMulInstalled,
  fastMatMulStats,
  installFastMatMul,
  resetFastMatMulStats,
  setFastMatMulRoute,
  uninstallFastMatMul,
} from './fast-mat-mul.js';
export { requestedThreads } from './initialize.js';
export { threadsUnsupportedReason } from './threads.js';
export { transposeMatrices } from './transpose.js';
export { WasmHeapExhaustedError } from './wasm-internals.js';

installFastMatMul();

/**
 * The wasm backend. Options (`useBackend('wasm', options)`):
 * - `threads`: worker threads for XNNPACK (default: `GPTFT_WASM_THREADS`, else 1). Fixed by the
 *   first initialisation in a process; when threads cannot start, it runs on one and says why.
 * - `fastMatMul`: `false` puts tfjs' own matMul kernel back (for comparisons).
 */
export const wasmBackend: TensorBackend = {
  name: 'wasm',
  tfjsName: 'wasm',
  packages: ['@gptft/backend-wasm'],
  priority: 20,
  async initialize(options: BackendOptions) {
    if (options.fastMatMul === false) uninstallFastMatMul();
    else installFastMatMul();
    await initializeWasm(options);
  },
  capabilities() {
    const fast = fastMatMulInstalled();
    return {
      threads: state.threads,
      simd: state.simd,
      gpu: false,
      float16: false,
      fastTransposedMatMul: fast,
      fastBatchedMatMul: fast,
    };
  },
  describe() {
    const parts = [
      state.simd ? 'SIMD' : 'no SIMD',
      `${state.threads} thread${state.threads === 1 ? '' : 's'}`,
      fastMatMulInstalled() ? 'gptft matMul kernel' : "tfjs' matMul kernel",
    ];
    return [parts.join(', '), ...state.notes].join('; ');
  },
};

registerBackend(wasmBackend);
