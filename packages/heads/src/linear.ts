import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
import { Layer } from '@gptft/gpt2-model';

/**
 * PyTorch's `nn.Linear`: `weight` [out, in], optional `bias` [out], y = x·Wᵀ + b over the last axis.
 * Used for `lm_head`, `score` and `classifier` so their parameters carry transformers' names.
 */
export class Linear extends Layer {
  constructor(weight: Tensor, bias?: Tensor) {
    super();
    this.addParameter('weight', weight);
    if (bias) this.addParameter('bias', bias);
  }
  get weight(): Variable {
    return this.param('weight');
  }
  get bias(): Variable | undefined {
    return this.namedOwnParameters().find(([n]) => n === 'bias')?.[1];
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const shape = x.shape;
      const c = shape[shape.length - 1]!;
      let y = matMul(tf.reshape(x, [-1, c]), this.weight, false, true);
      const b = this.bias;
      if (b) y = tf.add(y, b);
      return tf.reshape(y, [...shape.slice(0, -1), this.weight.shape[0]!]);
    });
  }
}
