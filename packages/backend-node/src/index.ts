/**
 * @gptft/backend-node — native TensorFlow on the CPU through `@tensorflow/tfjs-node` (an optional
 * peer dependency: install it next to this package). Importing this package registers the
 * `tensorflow` backend; the binding itself loads when the backend is selected.
 */
import { registerBackend } from '@gptft/backend';
import { createTfjsNodeBackend } from './tfjs-node-backend.js';

export { createTfjsNodeBackend, TFJS_VERSION, type TfjsNodeBackendSpec } from './tfjs-node-backend.js';

/** The `tensorflow` backend. */
export const nodeBackend = createTfjsNodeBackend({
  name: 'tensorflow',
  module: '@tensorflow/tfjs-node',
  packages: ['@gptft/backend-node', '@tensorflow/tfjs-node'],
  priority: 30,
  gpu: false,
  installHint: 'its install script downloads libtensorflow 2.9.1 from storage.googleapis.com',
});

registerBackend(nodeBackend);
