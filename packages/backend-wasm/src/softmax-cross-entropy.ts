// gptft's SoftmaxCrossEntropy kernel for wasm: one pass of SIMD C (`@gptft/backend`'s
// wasm/kernels.c, `softmax_xent`) over the logits where tfjs keeps them — max, exp (written to the
// gradient), log-sum-exp, loss, then the gradient scaled in place — instead of the default's ~10
// tfjs kernels (tfjs-wasm's Exp alone was ~1.8 s of a 512 × 50257 step).
import { SoftmaxCrossEntropy, simdKernels } from '@gptft/backend';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, wasmInternals, wasmMemoryOf } from './wasm-internals.js';

interface Args {
  inputs: { logits: TensorInfo; targets: TensorInfo };
  backend: unknown;
  attrs: { scale: number; withGradient: boolean };
}

/** The kernel, or undefined when this tfjs-wasm build lacks an internal it needs. */
export function softmaxCrossEntropyConfig(backend: unknown): KernelConfig | undefined {
  const internals = wasmInternals(backend);
  if (!internals || !wasmMemoryOf(internals.wasm)) return undefined;
  return {
    kernelName: SoftmaxCrossEntropy,
    backendName: 'wasm',
    kernelFunc: ((args: Args) => {
      const b = wasmInternals(args.backend)!;
      const { logits, targets } = args.inputs;
      if (logits.dtype !== 'float32' || targets.dtype !== 'int32' || logits.shape.length !== 2) {
        throw new Error(`${SoftmaxCrossEntropy}: expects float32 [N, K] logits and int32 targets`);
      }
      const [n, k] = logits.shape as [number, number];
      const loss = b.makeOutput([], 'float32');
      const grad = b.makeOutput(args.attrs.withGradient ? [n, k] : [0], 'float32');
      const offset = (t: TensorInfo) => b.dataIdMap.get(t.dataId)!.memoryOffset;
      const kernels = simdKernels(wasmMemoryOf(b.wasm)!);
      const value = kernels.softmax_xent(
        offset(logits),
        offset(targets),
        n,
        k,
        args.attrs.scale,
        args.attrs.withGradient ? offset(grad) : 0,
      );
      heapF32(b.wasm)[offset(loss) / 4] = value;
      return [loss, grad];
    }) as unknown as KernelFunc,
  };
}
