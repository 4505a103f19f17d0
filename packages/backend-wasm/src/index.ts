/**
 * @gptft/backend-wasm — the embedded default backend: TensorFlow.js' WebAssembly build (XNNPACK,
 * SIMD). Importing this package registers it; `useBackend('wasm')` or `useBackend('auto')` selects it.
 */
import '@tensorflow/tfjs-backend-wasm';
import { type TensorBackend, registerBackend } from '@gptft/backend';

export const wasmBackend: TensorBackend = {
  name: 'wasm',
  tfjsName: 'wasm',
  packages: ['@gptft/backend-wasm'],
  priority: 20,
  async initialize() {},
  capabilities() {
    return {
      threads: 1,
      simd: true,
      gpu: false,
      float16: false,
      fastTransposedMatMul: false,
      fastBatchedMatMul: false,
    };
  },
};

registerBackend(wasmBackend);
