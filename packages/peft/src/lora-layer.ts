import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
import { type Conv1D, Layer, Module, type SeedSequence } from '@gptft/gpt2-model';

/** A bias-free linear weight in PyTorch's layout ([out, in]), as PEFT's `lora_A` / `lora_B`. */
export class LoraWeight extends Module {
  constructor(weight: Tensor) {
    super();
    this.addParameter('weight', weight);
  }
  get weight(): Variable {
    return this.param('weight');
  }
}

/** Options of {@link LoraLayer}. */
export interface LoraLayerOptions {
  r: number;
  scaling: number;
  dropout: number;
  /** true (B = 0, A kaiming-uniform), 'gaussian' (A ~ N(0, 1/r), B = 0), false (both random). */
  init: boolean | 'gaussian';
  seed?: number | undefined;
  /** Dropout seeds (optional; otherwise tf's global RNG). */
  seeds?: SeedSequence | undefined;
}

/**
 * LoRA around a GPT-2 `Conv1D`: y = base(x) + dropout(x)·Aᵀ·Bᵀ·scaling, with `lora_A` [r, in] and
 * `lora_B` [out, r] in PEFT's layout. The base layer stays a child named `base_layer` (PEFT's name),
 * so its parameters are `...c_attn.base_layer.weight`.
 */
export class LoraLayer extends Layer {
  readonly r: number;
  readonly scaling: number;
  readonly dropout: number;
  /** When false the layer is its base layer (PEFT's `disable_adapter`). */
  enabled = true;
  private mergedFlag = false;
  private readonly seeds: SeedSequence | undefined;

  constructor(base: Conv1D, options: LoraLayerOptions) {
    super();
    this.r = options.r;
    this.scaling = options.scaling;
    this.dropout = options.dropout;
    this.seeds = options.seeds;
    this.addModule('base_layer', base);
    const { nx, nf } = base;
    const bound = 1 / Math.sqrt(nx); // kaiming_uniform_(a=√5) on [r, in]: U(−1/√in, 1/√in)
    const seed = options.seed;
    const a =
      options.init === 'gaussian'
        ? tf.randomNormal([this.r, nx], 0, 1 / this.r, 'float32', seed)
        : tf.randomUniform([this.r, nx], -bound, bound, 'float32', seed);
    const bBound = 1 / Math.sqrt(this.r);
    const b =
      options.init === false
        ? tf.randomUniform(
            [nf, this.r],
            -bBound,
            bBound,
            'float32',
            seed === undefined ? undefined : seed + 1,
          )
        : tf.zeros([nf, this.r]);
    this.addModule('lora_A', new LoraWeight(a));
    this.addModule('lora_B', new LoraWeight(b));
  }

  get base(): Conv1D {
    return this.child<Conv1D>('base_layer');
  }
  get loraA(): Variable {
    return this.child<LoraWeight>('lora_A').weight;
  }
  get loraB(): Variable {
    return this.child<LoraWeight>('lora_B').weight;
  }
  get merged(): boolean {
    return this.mergedFlag;
  }

  forward(x: Tensor): Tensor {
    const base = this.base;
    if (!this.enabled || this.mergedFlag) return base.forward(x);
    return tf.tidy(() => {
      const y = base.forward(x);
      const lead = x.shape.slice(0, -1);
      let x2 = tf.reshape(x, [-1, base.nx]);
      if (this.training && this.dropout > 0) x2 = tf.dropout(x2, this.dropout, undefined, this.seeds?.next());
      const h = matMul(x2, this.loraA, false, true); //            [N, r]
      const d = matMul(h, this.loraB, false, true); //             [N, out]
      return tf.add(y, tf.reshape(tf.mul(d, this.scaling), [...lead, base.nf]));
    });
  }

  /** (B·A)ᵀ·scaling: the update in Conv1D's [in, out] layout. */
  deltaWeight(): Tensor {
    return tf.tidy(() => tf.mul(tf.transpose(matMul(this.loraB, this.loraA)), this.scaling));
  }

  /** W ← W + (B·A)ᵀ·scaling. */
  merge(): void {
    if (this.mergedFlag) return;
    const w = this.base.weight;
    const next = tf.tidy(() => tf.add(w, this.deltaWeight()));
    w.assign(next);
    next.dispose();
    this.mergedFlag = true;
  }

  /** W ← W − (B·A)ᵀ·scaling. */
  unmerge(): void {
    if (!this.mergedFlag) return;
    const w = this.base.weight;
    const next = tf.tidy(() => tf.sub(w, this.deltaWeight()));
    w.assign(next);
    next.dispose();
    this.mergedFlag = false;
  }

  /** Frees the LoRA weights only (the base layer stays alive). */
  disposeLora(): void {
    this.loraA.dispose();
    this.loraB.dispose();
  }
}
