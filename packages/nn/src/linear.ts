import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
import { Layer } from './module.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /**
   * Weight stored [in, out] (GPT-2's `Conv1D`; PEFT calls this layout `fan_in_fan_out`) instead
   * of PyTorch's `nn.Linear` layout [out, in].
   */
  fanInFanOut?: boolean;
}

/**
 * A dense layer over the last axis, y = x·W + b (PyTorch's `nn.Linear`): `weight` [out, in] and an
 * optional `bias` [out], or with `fanInFanOut` the weight [in, out] as GPT-2's `Conv1D` stores it —
 * one concept, two layouts, so the parameter names and saved tensors are HF's in both.
 */
export class Linear extends Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly fanInFanOut: boolean;

  /** Takes ownership of `weight` and `bias` (they become the layer's variables). */
  constructor(weight: Tensor, bias?: Tensor, options: LinearOptions = {}) {
    super();
    if (weight.rank !== 2) throw new Error(`Linear: weight must be 2-D, got shape [${weight.shape}]`);
    this.fanInFanOut = options.fanInFanOut ?? false;
    const [a, b] = weight.shape as [number, number];
    this.inFeatures = this.fanInFanOut ? a : b;
    this.outFeatures = this.fanInFanOut ? b : a;
    if (bias && (bias.rank !== 1 || bias.shape[0] !== this.outFeatures)) {
      throw new Error(`Linear: bias must be [${this.outFeatures}], got [${bias.shape}]`);
    }
    this.addParameter('weight', weight);
    if (bias) this.addParameter('bias', bias);
  }

  get weight(): Variable {
    return this.param('weight');
  }
  get bias(): Variable | undefined {
    return this.optionalParam('bias');
  }

  /** x [..., in] → y [..., out]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      let y = matMul(tf.reshape(x, [-1, this.inFeatures]), this.weight, false, !this.fanInFanOut); // [N, out]
      const b = this.bias;
      if (b) y = tf.add(y, b);
      return tf.reshape(y, [...lead, this.outFeatures]); //                                          [..., out]
    });
  }
}

/**
 * Hugging Face's GPT-2 `Conv1D`: a {@link Linear} with bias whose weight is stored [in, out]
 * (`fanInFanOut`). y = x·W + b for x [..., in] → y [..., out].
 */
export class Conv1D extends Linear {
  constructor(nx: number, nf: number, weight?: Tensor, bias?: Tensor) {
    super(weight ?? tf.zeros([nx, nf]), bias ?? tf.zeros([nf]), { fanInFanOut: true });
  }
  /** Input width (`in`). */
  get nx(): number {
    return this.inFeatures;
  }
  /** Output width (`out`). */
  get nf(): number {
    return this.outFeatures;
  }
  override get bias(): Variable {
    return this.param('bias');
  }
}
