import { embedding, matMul, type Tensor, tf } from '@gptft/backend';
import { Layer } from './module.js';
import type { SeedSequence } from './random.js';

/**
 * Hugging Face's GPT-2 `Conv1D`: a linear layer whose weight is stored [in, out] (the transpose of
 * `nn.Linear`). y = x·W + b for x [..., in] → y [..., out].
 */
export class Conv1D extends Layer {
  constructor(
    readonly nx: number,
    readonly nf: number,
    weight?: Tensor,
    bias?: Tensor,
  ) {
    super();
    this.addParameter('weight', weight ?? tf.zeros([nx, nf])); // [in, out]
    this.addParameter('bias', bias ?? tf.zeros([nf])); //          [out]
  }
  get weight() {
    return this.param('weight');
  }
  get bias() {
    return this.param('bias');
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = tf.reshape(x, [-1, this.nx]); //                [N, in]
      const y = tf.add(matMul(x2, this.weight), this.bias); //  [N, out]
      return tf.reshape(y, [...lead, this.nf]); //              [..., out]
    });
  }
}

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

/** Embedding table [num, dim]; forward maps int32 ids [...] to rows [..., dim]. */
export class Embedding extends Layer {
  constructor(
    readonly num: number,
    readonly dim: number,
  ) {
    super();
    this.addParameter('weight', tf.zeros([num, dim]));
  }
  get weight() {
    return this.param('weight');
  }
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

/**
 * Inverted dropout, active only in training mode. Each call draws a fresh seed from the model's
 * `SeedSequence`, so a seeded model drops the same units run after run.
 */
export class Dropout extends Layer {
  constructor(
    readonly rate: number,
    private readonly seeds: SeedSequence,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, this.seeds.next());
  }
}
