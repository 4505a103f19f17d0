// gptft's SoftmaxCrossEntropy kernel for wasm: one pass of SIMD C (`@gptft/backend`'s
// wasm/kernels.c, `softmax_xent`) over the logits where tfjs keeps them — max, exp (written to the
// gradient), log-sum-exp, loss, then the gradient scaled in place — instead of the default's ~10
// tfjs kernels (tfjs-wasm's Exp alone was ~1.8 s of a 512 × 50257 step).
import { SoftmaxCrossEntropy } from '@gptft/backend';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, simdKernelConfig } from './wasm-internals.js';

interface Args {
  inputs: { logits: TensorInfo; targets: TensorInfo };
  attrs: { scale: number; withGradient: boolean };
}

/** The kernel, or undefined when this tfjs-wasm build lacks an internal it needs. */
export function softmaxCrossEntropyConfig(backend: unknown): KernelConfig | undefined {
  return simdKernelConfig<Args>(SoftmaxCrossEntropy, backend, (args, { backend: b, kernels, offset }) => {
    const { logits, targets } = args.inputs;
    if (logits.dtype !== 'float32' || targets.dtype !== 'int32' || logits.shape.length !== 2) {
      throw new Error(`${SoftmaxCrossEntropy}: expects float32 [N, K] logits and int32 targets`);
    }
    const [n, k] = logits.shape as [number, number];
    const loss = b.makeOutput([], 'float32');
    const grad = b.makeOutput(args.attrs.withGradient ? [n, k] : [0], 'float32');
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
  });
}
