/**
 * @gptft/backend-cpu — TensorFlow.js' pure-JavaScript backend. Importing this package registers it;
 * select it with `useBackend('cpu')`.
 */
import '@tensorflow/tfjs-backend-cpu';
import { type TensorBackend, registerBackend } from '@gptft/backend';

export const cpuBackend: TensorBackend = {
  name: 'cpu',
  tfjsName: 'cpu',
  packages: ['@gptft/backend-cpu'],
  priority: 10,
  async initialize() {},
  capabilities() {
    return {
      threads: 1,
      simd: false,
      gpu: false,
      float16: false,
    };
  },
};

registerBackend(cpuBackend);
