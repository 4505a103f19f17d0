/// <reference types="@webgpu/types" preserve="true" />
/**
 * @gptft/backend-webgpu — gptft on WebGPU: tfjs-backend-webgpu's kernels on Dawn in Node (the
 * `webgpu` package; needs libvulkan and a Vulkan driver on Linux) or on `navigator.gpu` in a
 * browser. Importing this package registers the `webgpu` backend; `useBackend('webgpu')` selects
 * it, `useBackend('auto')` takes it when the adapter is a real GPU.
 */
import '@tensorflow/tfjs-backend-webgpu';
import { registerBackend } from '@gptft/backend';
import { webgpuBackend } from './backend.js';

export { type AdapterSummary, adapterName, softwareAdapterReason } from './adapter.js';
export { setWebGPUOptions, type WebGPUOptions, webgpuBackend, webgpuInfo } from './backend.js';
export {
  WebGPUBindingSizeError,
  WebGPUDeviceLostError,
  WebGPUError,
  WebGPUInternalError,
  WebGPUOutOfMemoryError,
  WebGPUValidationError,
} from './errors.js';
export { watchWebGPUKernels } from './watch.js';

registerBackend(webgpuBackend);
