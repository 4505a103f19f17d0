// gptft's Attention kernel for wasm: all heads of a layer in one pass of SIMD C (`@gptft/backend`'s
// wasm/kernels.c, `attention`) on the tensors where tfjs keeps them — scores, softmax and the
// weighted sum of values row by row — instead of two XNNPACK products per head (operators created,
// weights packed and released for every head of every layer: most of a decoding step's matMul
// calls at batch 8) around tfjs' softmax.
import { Attention } from '@gptft/backend';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { HeapViews, simdKernelConfig } from './wasm-internals.js';

interface Args {
  inputs: { q: TensorInfo; k: TensorInfo; v: TensorInfo; bias?: TensorInfo };
  attrs: { scale: number };
}

/** The kernel, or undefined when this tfjs-wasm build lacks an internal it needs. */
export function attentionConfig(backend: unknown): KernelConfig | undefined {
  return simdKernelConfig<Args>(Attention, backend, (args, { backend: b, kernels, offset }) => {
    const { q, k, v, bias } = args.inputs;
    if ([q, k, v, bias].some((t) => t && t.dtype !== 'float32')) {
      throw new Error(`${Attention}: expects float32 inputs`);
    }
    const [nb, nh, t, d] = q.shape as [number, number, number, number];
    const s = k.shape[2]!;
    const y = b.makeOutput([nb, nh, t, d], 'float32');
    if (y.shape.some((n) => n === 0)) return y;
    const views = new HeapViews(b);
    try {
      const scores = views.allocate(Math.max(s, 4), 'attention scores');
      kernels.attention(
        offset(q),
        offset(k),
        offset(v),
        bias ? offset(bias) : 0,
        nb,
        nh,
        t,
        s,
        d,
        bias ? bias.shape[0]! : 1,
        bias ? bias.shape[1]! : 1,
        args.attrs.scale,
        offset(y),
        scores,
      );
    } finally {
      views.release();
    }
    return y;
  });
}
