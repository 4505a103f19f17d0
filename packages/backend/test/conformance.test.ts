import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertClose,
  ConformanceError,
  conformanceCases,
  runBackendConformance,
  runConformanceCase,
} from '../src/conformance/index.js';
import { registerBackend, tf } from '../src/index.js';

// The suite on tfjs' own cpu kernels (registered by @tensorflow/tfjs), and proof that it fails
// when a kernel is wrong.
registerBackend({
  name: 'tfjs-cpu',
  tfjsName: 'cpu',
  packages: ['@tensorflow/tfjs'],
  priority: 0,
  async initialize() {},
  capabilities: () => ({
    threads: 1,
    simd: false,
    gpu: false,
    float16: false,
  }),
});

runBackendConformance('tfjs-cpu', { describe, it, beforeAll });

describe('the conformance suite catches wrong numbers', () => {
  const original = tf.getKernel('Tanh', 'cpu')!;
  afterAll(() => {
    tf.unregisterKernel('Tanh', 'cpu');
    tf.registerKernel(original);
  });

  it('fails the tanh case when the Tanh kernel is off by 1e-3', async () => {
    tf.unregisterKernel('Tanh', 'cpu');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const out = original.kernelFunc(args) as tf.TensorInfo;
        const values = (
          args.backend as unknown as { data: { get(id: object): { values: Float32Array } } }
        ).data.get(out.dataId).values;
        values[3]! += 1e-3;
        return out;
      },
    });
    const tanh = conformanceCases.find((c) => c.group === 'gelu_new' && c.name === 'tanh')!;
    await expect(runConformanceCase(tanh)).rejects.toThrow(
      /tanh: forward: 1 of 24 values differ .*worst at \[3\]/,
    );
  });

  it('assertClose names the worst element and tolerances', () => {
    expect(() => assertClose('x', [1, 2.5, 3], [1, 2, 3])).toThrow(ConformanceError);
    expect(() => assertClose('x', [1, 2.5, 3], [1, 2, 3])).toThrow(/x: 1 of 3 values .* got 2.5, expected 2/);
    expect(() => assertClose('x', [Number.NaN], [1])).toThrow(/got NaN/);
    expect(() => assertClose('x', [1, 2], [1])).toThrow(/2 values, expected 1/);
  });

  it('flags a case that leaks tensors', async () => {
    await expect(
      runConformanceCase({
        group: 'meta',
        name: 'leaky',
        async run() {
          tf.ones([2]);
        },
      }),
    ).rejects.toThrow(/meta \/ leaky: leaked 1 tensor/);
  });
});
