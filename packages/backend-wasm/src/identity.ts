// tfjs-wasm's Identity kernel copies its input into a new heap buffer. tfjs runs Identity for every
// `tf.clone` — and the engine clones every tensor it keeps for a backward pass (operands of each
// matMul, the block inputs of gradient checkpointing, …), so on wasm each of them was a copy: time,
// and heap that counts against the ~4 GiB cap (the tied LM head alone kept a 154 MB copy of wte
// per step on GPT-2 small). Tensors are immutable, so a clone can share its input's memory, as
// tfjs' cpu backend and wasm's own Reshape already do: one more reference on the same buffer.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface IdentityArgs {
  inputs: { x: TensorInfo };
  backend: { incRef(dataId: object): void };
}

/** The zero-copy Identity kernel for wasm; strings go to tfjs' own kernel (`fallback`). */
export function sharedIdentityConfig(fallback: KernelConfig): KernelConfig {
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ((args: IdentityArgs) => {
      const { x } = args.inputs;
      if (x.dtype === 'string' || typeof args.backend.incRef !== 'function') {
        return fallback.kernelFunc(args as unknown as Parameters<KernelFunc>[0]);
      }
      args.backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    }) as unknown as KernelFunc,
  };
}
