import { embedding, type Tensor, tf, type Variable } from '@gptft/backend';
import { Layer } from './module.js';
import type { SeedStream } from './seed-stream.js';

/** LayerNorm over the last axis: (x − mean) / √(var + ε) · weight + bias (biased variance, as PyTorch). */
export class LayerNorm extends Layer {
  constructor(
    readonly dim: number,
    readonly eps: number,
  ) {
    super();
    this.addParameter('weight', tf.ones([dim]));
    this.addParameter('bias', tf.zeros([dim]));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true); // [..., 1]
      const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(xhat, this.param('weight')), this.param('bias'));
    });
  }
}

/** Embedding table `weight` [num, dim] (zeros unless given); forward maps int32 ids [...] to rows [..., dim]. */
export class Embedding extends Layer {
  readonly num: number;
  readonly dim: number;
  constructor(num: number, dim: number, weight?: Tensor) {
    super();
    if (weight && (weight.shape[0] !== num || weight.shape[1] !== dim)) {
      throw new Error(`Embedding: weight must be [${num}, ${dim}], got [${weight.shape}]`);
    }
    this.num = num;
    this.dim = dim;
    this.addParameter('weight', weight ?? tf.zeros([num, dim]));
  }
  get weight(): Variable {
    return this.param('weight');
  }
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

/**
 * Inverted dropout, active only in training mode. Each call draws a fresh seed from `seeds` (the
 * model's {@link SeedStream}), so a seeded model drops the same units run after run; without a
 * stream, tfjs' global generator decides.
 */
export class Dropout extends Layer {
  constructor(
    readonly rate: number,
    private readonly seeds?: SeedStream,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, this.seeds?.next());
  }
}
