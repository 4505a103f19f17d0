/**
 * Weight initialisation as `torch.nn.init` does it, seeded: each function takes the tfjs seed of
 * the draw (an integer, e.g. `seeds.next()` of a {@link SeedStream}; absent: tfjs' global
 * generator). The distributions are PyTorch's; the numbers are tfjs' (no generator is shared with
 * PyTorch, so seeded runs repeat within gptft only).
 */
import { type Tensor, tf } from '@gptft/backend';

/** A seed for one draw, or `undefined` for an unseeded one. */
export type Seed = number | undefined;

/** N(mean, std²) (`nn.init.normal_`). */
export function normal(shape: number[], std: number, seed?: Seed, mean = 0): Tensor {
  return tf.randomNormal(shape, mean, std, 'float32', seed);
}

/** U(low, high) (`nn.init.uniform_`). */
export function uniform(shape: number[], low: number, high: number, seed?: Seed): Tensor {
  return tf.randomUniform(shape, low, high, 'float32', seed);
}

/**
 * `nn.init.kaiming_uniform_(w, a=√5)` on a weight [out, in] — the default of `nn.Linear`'s weight
 * and of LoRA's `lora_A` — which is U(−1/√in, 1/√in). `fanIn` defaults to `shape[1]`.
 */
export function kaimingUniform(shape: number[], seed?: Seed, fanIn = shape[1]!): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return uniform(shape, -bound, bound, seed);
}

/**
 * `nn.init.trunc_normal_(std, a=−2·std, b=2·std)`: N(mean, std²) redrawn outside two standard
 * deviations (tfjs' truncated normal).
 */
export function truncatedNormal(shape: number[], std: number, seed?: Seed, mean = 0): Tensor {
  return tf.truncatedNormal(shape, mean, std, 'float32', seed);
}

/** Zeros (`nn.init.zeros_`). */
export function zeros(shape: number[]): Tensor {
  return tf.zeros(shape);
}

/** Ones (`nn.init.ones_`). */
export function ones(shape: number[]): Tensor {
  return tf.ones(shape);
}

/**
 * `nn.Linear(inFeatures, outFeatures)`'s default initialisation: weight [out, in] and bias [out],
 * both U(−1/√in, 1/√in).
 */
export function linearDefault(
  inFeatures: number,
  outFeatures: number,
  seeds: { weight?: Seed; bias?: Seed } = {},
): { weight: Tensor; bias: Tensor } {
  const bound = 1 / Math.sqrt(inFeatures);
  return {
    weight: uniform([outFeatures, inFeatures], -bound, bound, seeds.weight),
    bias: uniform([outFeatures], -bound, bound, seeds.bias),
  };
}
