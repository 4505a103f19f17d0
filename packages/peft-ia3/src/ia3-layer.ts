import { type Tensor, tf, type Variable } from '@gptft/backend';
import { type Conv1D, Layer } from '@gptft/gpt2-model';

/** Options of {@link IA3Layer}. */
export interface IA3LayerOptions {
  /** Scale the layer's input (PEFT's feedforward modules) instead of its output. */
  isFeedforward: boolean;
  /** true: the vector starts at 1 (layer unchanged); false: N(0, 1), as PEFT's `torch.randn`. */
  init: boolean;
  /** Seed of the N(0, 1) initialisation (`init: false`). */
  seed?: number | undefined;
}

/** PEFT adds this to the vector before dividing it out of the weights on unmerge. */
const UNMERGE_EPS = 1e-8;

/**
 * IA³ around a GPT-2 `Conv1D`: a learned vector `ia3_l` rescales the layer's output
 * (y = base(x) ⊙ l, `ia3_l` shape [out, 1]) or, for a feedforward module, its input
 * (y = base(x ⊙ l), shape [1, in]) — PEFT's shapes, so the tensor saves as PEFT saves it.
 * The base layer stays a child named `base_layer` (PEFT's name).
 */
export class IA3Layer extends Layer {
  readonly isFeedforward: boolean;
  /** When false the layer is its base layer (PEFT's `disable_adapter`). */
  private enabledFlag = true;
  private mergedFlag = false;

  constructor(base: Conv1D, options: IA3LayerOptions) {
    super();
    this.isFeedforward = options.isFeedforward;
    this.addModule('base_layer', base);
    const shape: [number, number] = options.isFeedforward ? [1, base.nx] : [base.nf, 1];
    const init = options.init ? tf.ones(shape) : tf.randomNormal(shape, 0, 1, 'float32', options.seed);
    this.addParameter('ia3_l', init);
  }

  get base(): Conv1D {
    return this.child<Conv1D>('base_layer');
  }
  /** The IA³ vector, [out, 1] (output scaling) or [1, in] (feedforward: input scaling). */
  get ia3L(): Variable {
    return this.param('ia3_l');
  }
  get merged(): boolean {
    return this.mergedFlag;
  }
  get enabled(): boolean {
    return this.enabledFlag;
  }
  /** Switching a merged layer off unmerges it first, as PEFT's forward does with adapters disabled. */
  set enabled(on: boolean) {
    if (!on && this.mergedFlag) this.unmerge();
    this.enabledFlag = on;
  }

  // #region forward
  forward(x: Tensor): Tensor {
    const base = this.base;
    if (!this.enabledFlag || this.mergedFlag) return base.forward(x);
    return tf.tidy(() => {
      const l = tf.reshape(this.ia3L, [-1]); // broadcasts over the last axis
      return this.isFeedforward ? base.forward(tf.mul(x, l)) : tf.mul(base.forward(x), l);
    });
  }
  // #endregion forward

  /**
   * The vector laid out against Conv1D's [in, out] weight (PEFT's `transpose(ia3_l, fan_in_fan_out)`):
   * [1, out] scales columns (outputs), [in, 1] scales rows (inputs).
   */
  private weightScale(eps = 0): Tensor {
    return tf.tidy(() => {
      const l = tf.transpose(this.ia3L);
      return eps === 0 ? l : tf.add(l, eps);
    });
  }

  // #region merge
  /** W ← W ⊙ l (and b ← b ⊙ l for output scaling): the base layer alone then computes the IA³ layer. */
  merge(): void {
    if (this.mergedFlag) return;
    const { weight, bias } = this.base;
    const [w, b] = tf.tidy(() => {
      const s = this.weightScale();
      return [
        tf.mul(weight, s),
        this.isFeedforward ? undefined : tf.mul(bias, tf.reshape(this.ia3L, [-1])),
      ] as const;
    });
    weight.assign(w);
    w.dispose();
    if (b) {
      bias.assign(b);
      b.dispose();
    }
    this.mergedFlag = true;
  }
  // #endregion merge

  /** Divides the vector (+1e-8, as PEFT) back out of the weights; exact only up to rounding. */
  unmerge(): void {
    if (!this.mergedFlag) return;
    const { weight, bias } = this.base;
    const [w, b] = tf.tidy(
      () =>
        [
          tf.div(weight, this.weightScale(UNMERGE_EPS)),
          this.isFeedforward ? undefined : tf.div(bias, tf.add(tf.reshape(this.ia3L, [-1]), UNMERGE_EPS)),
        ] as const,
    );
    weight.assign(w);
    w.dispose();
    if (b) {
      bias.assign(b);
      b.dispose();
    }
    this.mergedFlag = false;
  }

  /** Frees the IA³ vector only (the base layer stays alive). */
  disposeIA3(): void {
    this.ia3L.dispose();
  }
}
