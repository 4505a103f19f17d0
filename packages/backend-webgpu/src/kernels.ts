// Kernels gptft replaces on tfjs' webgpu backend.
//
// AddN: tfjs-backend-webgpu 4.22 binds every input in one shader. WebGPU allows
// `maxStorageBuffersPerShaderStage` storage bindings (8 by default, output included), so a sum of
// more tensors — clipGradNorm adds the squared norms of all 28 GPT-2 tiny parameters — fails
// validation (found by this package's error watch; unchecked, the result is garbage). This one sums
// in chunks that fit, each later chunk starting from the partial sum.
import { tf } from '@gptft/backend';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

let installed = false;

interface AddNBackend {
  device: GPUDevice;
  disposeData(dataId: object, force?: boolean): boolean;
}

function chunkedAddN(inner: KernelFunc): KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as TensorInfo[];
    const backend = args.backend as unknown as AddNBackend;
    const perShader = (backend.device?.limits.maxStorageBuffersPerShaderStage ?? 8) - 1; // one is the output
    if (inputs.length <= perShader || perShader < 2) return inner(args);
    let partial = inner({ ...args, inputs: inputs.slice(0, perShader) as never }) as TensorInfo;
    for (let i = perShader; i < inputs.length; i += perShader - 1) {
      const chunk = [partial, ...inputs.slice(i, i + perShader - 1)];
      const next = inner({ ...args, inputs: chunk as never }) as TensorInfo;
      backend.disposeData(partial.dataId, true);
      partial = next;
    }
    return partial;
  };
}

/** Registers gptft's replacements of tfjs-backend-webgpu kernels (idempotent). */
export function installWebGPUKernels(): void {
  if (installed) return;
  installed = true;
  const addN = tf.getKernel('AddN', 'webgpu') as KernelConfig | undefined;
  if (addN) {
    const kernelFunc = chunkedAddN(addN.kernelFunc);
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel({ ...addN, kernelFunc });
  }
}
