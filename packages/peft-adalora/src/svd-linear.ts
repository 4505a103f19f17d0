import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
import { Dropout, init, type Linear, ModuleDict, ParameterDict, type SeedStream } from '@gptft/nn';
import { LinearTunerLayer } from '@gptft/peft';

/** Options of one AdaLoRA adapter on a layer ({@link SVDLinear.updateLayer}). */
export interface SVDLinearOptions {
  /** Rank (`init_r` when created; the pattern's rank when a pruned adapter is loaded). */
  r: number;
  loraAlpha: number;
  dropout: number;
  /** true: E = 0, A and B ~ N(0, 0.02) (PEFT's `reset_lora_parameters`); false: all ~ N(0, 1). */
  init: boolean | 'gaussian';
  /** Init seeds. */
  seeds: SeedStream;
  /** Dropout seeds (the model's stream). */
  dropoutSeeds?: SeedStream | undefined;
  /** `ranknum` to keep (PEFT keeps the old one when it resizes a module to a rank pattern). */
  ranknum?: number;
}

/** PEFT divides by `ranknum + 1e-5`. */
const RANK_EPS = 1e-5;

// #region layer
/**
 * HF PEFT's AdaLoRA `SVDLinear` around a `Conv1D` / `Linear`: the update is in SVD form
 * P·Λ·Q — `lora_B` [out, r] (left singular vectors), `lora_E` [r, 1] (singular values), `lora_A`
 * [r, in] (right singular vectors) — y = base(x) + dropout(x)·(A ⊙ E)ᵀ·Bᵀ·scaling / (ranknum + 1e-5),
 * with `scaling` = lora_alpha (or r when lora_alpha is 0). One entry per adapter name in each
 * dict (`lora_A.default`); `ranknum` is a non-trainable parameter, not saved.
 */
export class SVDLinear extends LinearTunerLayer {
  readonly adapterLayerNames = ['lora_A', 'lora_B', 'lora_E'] as const;
  override readonly otherAdapterDicts = ['lora_dropout', 'ranknum'] as const;
  private readonly scalings = new Map<string, number>();

  constructor(base: Linear) {
    super(base);
    this.addModule('lora_A', new ParameterDict());
    this.addModule('lora_B', new ParameterDict());
    this.addModule('lora_E', new ParameterDict());
    this.addModule('lora_dropout', new ModuleDict<Dropout>());
    this.addModule('ranknum', new ParameterDict());
  }

  /** Adds (or, after deleting it, re-creates) adapter `name` at rank `r` (PEFT's `update_layer`). */
  updateLayer(name: string, o: SVDLinearOptions): void {
    const { inFeatures: nIn, outFeatures: nOut } = this.base;
    const [a, e, b] = o.init
      ? [
          init.normal([o.r, nIn], 0.02, o.seeds.next()),
          init.zeros([o.r, 1]),
          init.normal([nOut, o.r], 0.02, o.seeds.next()),
        ]
      : [
          init.normal([o.r, nIn], 1, o.seeds.next()),
          init.normal([o.r, 1], 1, o.seeds.next()),
          init.normal([nOut, o.r], 1, o.seeds.next()),
        ];
    this.dict('lora_A').set(name, a);
    this.dict('lora_E').set(name, e);
    this.dict('lora_B').set(name, b);
    this.dict('ranknum').set(name, tf.tensor1d([o.ranknum ?? o.r]), false);
    this.getSubmodule<ModuleDict<Dropout>>('lora_dropout').set(name, new Dropout(o.dropout, o.dropoutSeeds));
    this.scalings.set(name, o.loraAlpha > 0 ? o.loraAlpha : o.r);
    this.train(this.training);
  }
  // #endregion layer

  private dict(name: 'lora_A' | 'lora_B' | 'lora_E' | 'ranknum'): ParameterDict {
    return this.getSubmodule<ParameterDict>(name);
  }

  /** `lora_A` / `lora_E` / `lora_B` / `ranknum` of `adapter`. */
  weights(adapter: string): { a: Variable; e: Variable; b: Variable; ranknum: Variable } {
    const get = (d: 'lora_A' | 'lora_B' | 'lora_E' | 'ranknum') => {
      const v = this.dict(d).get(adapter);
      if (!v) throw new Error(`SVDLinear has no adapter "${adapter}"`);
      return v;
    };
    return { a: get('lora_A'), e: get('lora_E'), b: get('lora_B'), ranknum: get('ranknum') };
  }

  /** The current rank of `adapter` (rows of `lora_A`). */
  rank(adapter: string): number {
    return this.weights(adapter).a.shape[0]!;
  }

  scaling(adapter: string): number {
    return this.scalings.get(adapter)!;
  }

  // #region forward
  forward(x: Tensor): Tensor {
    const base = this.base;
    const names = this.activeAdapters;
    if (names.length === 0 || this.merged) return base.forward(x);
    return tf.tidy(() => {
      let y = base.forward(x);
      const lead = x.shape.slice(0, -1);
      const x2 = tf.reshape(x, [-1, base.inFeatures]); //                             [N, in]
      for (const name of names) {
        const { a, e, b, ranknum } = this.weights(name);
        if (a.shape[0] === 0) continue; // every singular value pruned
        const drop = this.getSubmodule<ModuleDict<Dropout>>('lora_dropout').get(name)!;
        const h = matMul(drop.forward(x2), tf.mul(a, e), false, true); //            [N, r]
        const d = matMul(h, b, false, true); //                                     [N, out]
        const s = tf.div(tf.mul(d, this.scaling(name)), tf.add(ranknum, RANK_EPS));
        y = tf.add(y, tf.reshape(s, [...lead, base.outFeatures]));
      }
      return y;
    });
  }
  // #endregion forward

  /** B·(A ⊙ E)·scaling / (ranknum + 1e-5) in the base weight's layout ([in, out] for Conv1D). */
  override deltaWeight(adapter: string): Tensor {
    return tf.tidy(() => {
      const { a, e, b, ranknum } = this.weights(adapter);
      const ba = matMul(b, tf.mul(a, e)); //                                         [out, in]
      const w = this.base.fanInFanOut ? tf.transpose(ba) : ba;
      return tf.div(tf.mul(w, this.scaling(adapter)), tf.add(ranknum, RANK_EPS));
    });
  }

  /**
   * Resizes adapter `name` to rank `r` keeping its `ranknum` (PEFT's `resize_modules_by_rank_pattern`
   * before a pruned adapter is loaded): new A, E, B of the new shapes, whose values the load writes.
   */
  resizeAdapter(name: string, r: number): void {
    for (const d of ['lora_A', 'lora_E', 'lora_B'] as const) this.dict(d).delete(name)?.dispose();
    const { inFeatures: nIn, outFeatures: nOut } = this.base;
    this.dict('lora_A').set(name, tf.zeros([r, nIn]));
    this.dict('lora_E').set(name, tf.zeros([r, 1]));
    this.dict('lora_B').set(name, tf.zeros([nOut, r]));
  }

  protected override onAdapterDeleted(name: string): void {
    this.scalings.delete(name);
  }
}
