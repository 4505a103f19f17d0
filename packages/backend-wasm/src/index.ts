/**
 * @gptft/backend-wasm — the embedded default backend: TensorFlow.js' WebAssembly build (XNNPACK,
 * SIMD). Importing this package registers it; `useBackend('wasm')` or `useBackend('auto')` selects it.
 */
import '@tensorflow/tfjs-backend-wasm';
import { type BackendOptions, type TensorBackend, registerBackend } from '@gptft/backend';
import { fastMatMulInstalled, installFastMatMul, uninstallFastMatMul } from './fast-mat-mul.js';

export {
  fastMatMulInstalled,
  fastMatMulStats,
  installFastMatMul,
  resetFastMatMulStats,
  setFastMatMulRoute,
  uninstallFastMatMul,
} from './fast-mat-mul.js';
export { transposeMatrices } from './transpose.js';
export { WasmHeapExhaustedError } from './wasm-internals.js';

installFastMatMul();

export const wasmBackend: TensorBackend = {
  name: 'wasm',
  tfjsName: 'wasm',
  packages: ['@gptft/backend-wasm'],
  priority: 20,
  async initialize(options: BackendOptions) {
    if (options.fastMatMul === false) uninstallFastMatMul();
    else installFastMatMul();
  },
  capabilities() {
    const fast = fastMatMulInstalled();
    return {
      threads: 1,
      simd: true,
      gpu: false,
      float16: false,
      fastTransposedMatMul: fast,
      fastBatchedMatMul: fast,
    };
  },
};

registerBackend(wasmBackend);
