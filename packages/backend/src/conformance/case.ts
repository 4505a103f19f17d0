import type { Tensor } from '../tf.js';
import { tf } from '../tf.js';
import { assertClose, assertShape, type Tolerance } from './assert.js';

/** One conformance check: computes on the current backend and throws `ConformanceError` on a mismatch. */
export interface ConformanceCase {
  /** Group, e.g. `matMul`, `softmax`. */
  readonly group: string;
  /** What is checked, e.g. `transposeB forward and gradients`. */
  readonly name: string;
  /** Runs the check on the current backend; must leave no tensors behind. */
  run(): Promise<void>;
}

/** Reads a tensor's values (as float64 numbers) and disposes it. */
export async function take(t: Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

/** Compares a tensor's shape and values with the reference, then disposes it. */
export async function expectTensor(
  label: string,
  t: Tensor,
  shape: readonly number[],
  expected: ArrayLike<number>,
  tol?: Tolerance,
): Promise<void> {
  assertShape(label, t.shape, shape);
  assertClose(label, await take(t), expected, tol);
}

/** `tf.tensor` of float32 values, for brevity in the cases. */
export function f32(values: readonly number[], shape: number[]): Tensor {
  return tf.tensor(values as number[], shape, 'float32');
}

/**
 * A case for a unary op: forward against `ref`, and the gradient of Σ upstream ⊙ op(x) through
 * `tf.grad` against `gradRef(x, upstream)`.
 */
export function unaryCase(spec: {
  group: string;
  name: string;
  shape: number[];
  /** Shape of op(x) when it differs from the input's. */
  outShape?: number[];
  x: readonly number[];
  upstream: readonly number[];
  op: (x: Tensor) => Tensor;
  ref: (x: readonly number[]) => number[];
  gradRef: (x: readonly number[], upstream: readonly number[]) => number[];
  tol?: Tolerance;
  gradTol?: Tolerance;
}): ConformanceCase {
  return {
    group: spec.group,
    name: spec.name,
    async run() {
      const outShape = spec.outShape ?? spec.shape;
      const x = f32(spec.x, spec.shape);
      const up = f32(spec.upstream, outShape);
      try {
        const y = tf.tidy(() => spec.op(x));
        await expectTensor(`${spec.name}: forward`, y, outShape, spec.ref(spec.x), spec.tol);
        const dx = tf.grad((t: Tensor) => tf.sum(tf.mul(spec.op(t), up)))(x);
        await expectTensor(
          `${spec.name}: gradient`,
          dx,
          spec.shape,
          spec.gradRef(spec.x, spec.upstream),
          spec.gradTol ?? spec.tol,
        );
      } finally {
        tf.dispose([x, up]);
      }
    },
  };
}
