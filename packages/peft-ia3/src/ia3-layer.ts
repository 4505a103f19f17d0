import { type Tensor, tf, type Variable } from '@gptft/backend';
import { init, type Linear, ParameterDict, type Seed } from '@gptft/nn';
import { LinearTunerLayer } from '@gptft/peft';

/** Options of one IA³ adapter on a layer. */
export interface IA3LayerOptions {
  /** Scale the layer's input (PEFT's feedforward modules) instead of its output. */
  isFeedforward: boolean;
  /** true: the vector starts at 1 (layer unchanged); false: N(0, 1), as PEFT's `torch.randn`. */
  init: boolean;
  /** Seed of the N(0, 1) initialisation (`init: false`). */
  seed?: Seed;
}

/** PEFT adds this to the vector before dividing it out of the weights on unmerge. */
const UNMERGE_EPS = 1e-8;

// #region layer
/**
 * IA³ around a `Conv1D` / `Linear` (HF PEFT's `ia3.Linear`): a learned vector `ia3_l.<adapter>`
 * rescales the layer's output (y = base(x) ⊙ l, shape [out, 1]) or, for a feedforward module, its
 * input (y = base(x ⊙ l), shape [1, in]) — PEFT's shapes, so the tensor saves as PEFT saves it.
 */
export class IA3Layer extends LinearTunerLayer {
  readonly adapterLayerNames = ['ia3_l'] as const;
  readonly isFeedforward: boolean;

  constructor(base: Linear, isFeedforward: boolean) {
    super(base);
    this.isFeedforward = isFeedforward;
    this.addModule('ia3_l', new ParameterDict());
  }

  /** Adds adapter `name` (HF's `update_layer`): its vector, 1 or N(0, 1). */
  updateLayer(name: string, options: Pick<IA3LayerOptions, 'init' | 'seed'>): void {
    const shape = this.isFeedforward ? [1, this.base.inFeatures] : [this.base.outFeatures, 1];
    const v = options.init ? init.ones(shape) : init.normal(shape, 1, options.seed);
    this.getSubmodule<ParameterDict>('ia3_l').set(name, v);
  }
  // #endregion layer

  /** The IA³ vector of `adapter` (default: the active one), [out, 1] or [1, in]. */
  vector(adapter = this.activeAdapters[0] ?? this.adapterNames()[0]!): Variable {
    return this.getSubmodule<ParameterDict>('ia3_l').get(adapter)!;
  }
  get ia3L(): Variable {
    return this.vector();
  }
  /** Whether any adapter acts (false after `disableAdapter`: the layer is its base layer). */
  get enabled(): boolean {
    return this.activeAdapters.length > 0;
  }

  // #region forward
  forward(x: Tensor): Tensor {
    const base = this.base;
    if (this.activeAdapters.length === 0 || this.merged) return base.forward(x);
    return tf.tidy(() => {
      const [first, ...more] = this.activeAdapters.map((n) => tf.reshape(this.vector(n), [-1]));
      const l = more.reduce((a, b) => tf.mul(a, b), first!); // broadcasts over the last axis
      return this.isFeedforward ? base.forward(tf.mul(x, l)) : tf.mul(base.forward(x), l);
    });
  }
  // #endregion forward

  // #region merge
  /**
   * The vector laid out against the weight (PEFT's `transpose(ia3_l, fan_in_fan_out)`): Conv1D's
   * [in, out] weight has outputs as columns ([1, out]) and inputs as rows ([in, 1]); `nn.Linear`'s
   * [out, in] the reverse.
   */
  private weightScale(l: Tensor): Tensor {
    const asRow = !this.isFeedforward === this.base.fanInFanOut;
    return tf.reshape(l, asRow ? [1, -1] : [-1, 1]);
  }

  /** W ← W ⊙ l (and b ← b ⊙ l for output scaling): the base layer alone then computes the IA³ layer. */
  protected override mergeOne(name: string): void {
    const { weight, bias } = this.base;
    const l = this.vector(name);
    const w = tf.tidy(() => tf.mul(weight, this.weightScale(l)));
    weight.assign(w);
    w.dispose();
    if (bias && !this.isFeedforward) {
      const b = tf.tidy(() => tf.mul(bias, tf.reshape(l, [-1])));
      bias.assign(b);
      b.dispose();
    }
  }
  // #endregion merge

  /** Divides the vector (+1e-8, as PEFT) back out of the weights; exact only up to rounding. */
  protected override unmergeOne(name: string): void {
    const { weight, bias } = this.base;
    const l = this.vector(name);
    const w = tf.tidy(() => tf.div(weight, this.weightScale(tf.add(l, UNMERGE_EPS))));
    weight.assign(w);
    w.dispose();
    if (bias && !this.isFeedforward) {
      const b = tf.tidy(() => tf.div(bias, tf.add(tf.reshape(l, [-1]), UNMERGE_EPS)));
      bias.assign(b);
      b.dispose();
    }
  }

  /** Frees every adapter's vector (the base layer stays alive). */
  disposeIA3(): void {
    for (const name of this.adapterNames()) this.deleteAdapter(name, true);
  }
}
