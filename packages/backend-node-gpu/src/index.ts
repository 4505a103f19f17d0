/**
 * @gptft/backend-node-gpu — native TensorFlow with CUDA through `@tensorflow/tfjs-node-gpu` (an
 * optional peer dependency: install it next to this package; it needs CUDA 11.2 and cuDNN 8.1, see
 * the README). Importing this package registers the `tensorflow-gpu` backend; the binding loads
 * when the backend is selected.
 */
import { registerBackend } from '@gptft/backend';
import { createTfjsNodeBackend } from '@gptft/backend-node/factory';

/** The `tensorflow-gpu` backend. */
export const nodeGpuBackend = createTfjsNodeBackend({
  name: 'tensorflow-gpu',
  module: '@tensorflow/tfjs-node-gpu',
  packages: ['@gptft/backend-node-gpu', '@tensorflow/tfjs-node-gpu'],
  priority: 40,
  gpu: true,
  installHint:
    'its install script downloads the GPU build of libtensorflow 2.9.1 from storage.googleapis.com',
});

registerBackend(nodeGpuBackend);
