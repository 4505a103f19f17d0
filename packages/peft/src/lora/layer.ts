import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
import { Dropout, init, Linear, ModuleDict, SeedStream } from '@gptft/nn';
import { LinearTunerLayer } from '../tuners/tuner-layer.js';

/** Options of one LoRA adapter on a layer ({@link LoraLayer.updateLayer}). */
export interface LoraLayerOptions {
  r: number;
  scaling: number;
  dropout: number;
  /** true (B = 0, A kaiming-uniform), 'gaussian' (A ~ N(0, 1/r), B = 0), false (both random). */
  init: boolean | 'gaussian';
  /** Seed of the initialisation (a number starts a new {@link SeedStream}). */
  seed?: number | SeedStream | undefined;
  /** Dropout seeds (the model's stream; otherwise tf's global RNG). */
  seeds?: SeedStream | undefined;
}

/** The name of the base model's rows in a mixed batch (HF PEFT's `"__base__"`). */
export const BASE_ADAPTER_NAME = '__base__';

/**
 * LoRA around a `Linear` / GPT-2 `Conv1D` (HF PEFT's `lora.Linear`): y = base(x) + Σ over active
 * adapters of dropout(x)·Aᵀ·Bᵀ·scaling, with `lora_A.<adapter>` [r, in] and `lora_B.<adapter>`
 * [out, r] in PEFT's layout. Several adapters live on one layer (one entry per adapter name in
 * each dict); the base layer stays a child named `base_layer`.
 */
export class LoraLayer extends LinearTunerLayer {
  readonly adapterLayerNames = ['lora_A', 'lora_B'] as const;
  override readonly otherAdapterDicts = ['lora_dropout'] as const;
  override readonly supportsMixedBatch = true;
  private readonly settings = new Map<string, { r: number; scaling: number; dropout: number }>();

  /** Wraps `base`; with `options`, adds the adapter `adapterName` (default `default`). */
  constructor(base: Linear, options?: LoraLayerOptions, adapterName = 'default') {
    super(base);
    this.addModule('lora_A', new ModuleDict<Linear>());
    this.addModule('lora_B', new ModuleDict<Linear>());
    this.addModule('lora_dropout', new ModuleDict<Dropout>());
    if (options) {
      this.updateLayer(adapterName, options);
      this.setAdapterEnabled(adapterName, true);
    }
  }

  /** Adds adapter `name` (HF's `update_layer`): A, B and dropout for it. */
  updateLayer(name: string, options: LoraLayerOptions): void {
    const { inFeatures: nIn, outFeatures: nOut } = this.base;
    const r = options.r;
    const seeds = options.seed instanceof SeedStream ? options.seed : new SeedStream(options.seed);
    // kaiming_uniform_(a=√5) on [r, in]: U(−1/√in, 1/√in); 'gaussian': N(0, 1/r)
    const a =
      options.init === 'gaussian'
        ? init.normal([r, nIn], 1 / r, seeds.next())
        : init.kaimingUniform([r, nIn], seeds.next());
    const b = options.init === false ? init.kaimingUniform([nOut, r], seeds.next()) : init.zeros([nOut, r]);
    this.dict('lora_A').set(name, new Linear(a));
    this.dict('lora_B').set(name, new Linear(b));
    this.getSubmodule<ModuleDict<Dropout>>('lora_dropout').set(
      name,
      new Dropout(options.dropout, options.seeds),
    );
    this.settings.set(name, { r, scaling: options.scaling, dropout: options.dropout });
    this.train(this.training);
  }

  private dict(name: 'lora_A' | 'lora_B'): ModuleDict<Linear> {
    return this.getSubmodule<ModuleDict<Linear>>(name);
  }

  /** The adapter a single-adapter accessor reads: the first active one, else the first. */
  private current(): string {
    const name = this.activeAdapters[0] ?? this.adapterNames()[0];
    if (name === undefined) throw new Error('LoraLayer has no adapter');
    return name;
  }
  private setting(name: string) {
    const s = this.settings.get(name);
    if (!s) throw new Error(`LoraLayer has no adapter "${name}"`);
    return s;
  }

  /** Rank / scaling / dropout rate of `adapter` (default: the active one). */
  rank(adapter = this.current()): number {
    return this.setting(adapter).r;
  }
  scalingOf(adapter = this.current()): number {
    return this.setting(adapter).scaling;
  }
  get r(): number {
    return this.rank();
  }
  get scaling(): number {
    return this.scalingOf();
  }
  get dropout(): number {
    return this.setting(this.current()).dropout;
  }
  /** `lora_A` [r, in] of `adapter` (default: the active one). */
  loraAOf(adapter = this.current()): Variable {
    return this.dict('lora_A').get(adapter)!.weight;
  }
  /** `lora_B` [out, r] of `adapter` (default: the active one). */
  loraBOf(adapter = this.current()): Variable {
    return this.dict('lora_B').get(adapter)!.weight;
  }
  get loraA(): Variable {
    return this.loraAOf();
  }
  get loraB(): Variable {
    return this.loraBOf();
  }
  /** Whether any adapter acts (false after `disableAdapter`: the layer is its base layer). */
  get enabled(): boolean {
    return this.activeAdapters.length > 0;
  }

  forward(x: Tensor): Tensor {
    const base = this.base;
    if (this.batchAdapterNames) return this.mixedBatchForward(x, this.batchAdapterNames);
    const names = this.activeAdapters;
    if (names.length === 0 || this.merged) return base.forward(x);
    return tf.tidy(() => {
      let y = base.forward(x);
      const lead = x.shape.slice(0, -1);
      const x2 = tf.reshape(x, [-1, base.inFeatures]); //                       [N, in]
      for (const name of names) {
        const d = this.delta(name, x2); //                                      [N, out]
        y = tf.add(y, tf.reshape(d, [...lead, base.outFeatures]));
      }
      return y;
    });
  }

  /** dropout(x)·Aᵀ·Bᵀ·scaling for x [N, in] → [N, out]. */
  private delta(name: string, x2: Tensor): Tensor {
    const drop = this.getSubmodule<ModuleDict<Dropout>>('lora_dropout').get(name)!;
    const h = matMul(drop.forward(x2), this.loraAOf(name), false, true); //    [N, r]
    const d = matMul(h, this.loraBOf(name), false, true); //                   [N, out]
    return tf.mul(d, this.scalingOf(name));
  }

  /**
   * HF PEFT's `_mixed_batch_forward`: row b of x [B, ..., in] gets the update of adapter
   * `names[b]` (none for `__base__` or an adapter this layer does not hold).
   */
  private mixedBatchForward(x: Tensor, names: readonly string[]): Tensor {
    if (this.training)
      throw new Error('adapterNames (a mixed-adapter batch) is for inference: call eval() first');
    const b = x.shape[0]!;
    if (names.length !== b) {
      throw new Error(`adapterNames has ${names.length} entries but the batch has ${b} rows`);
    }
    if (this.merged)
      throw new Error('adapterNames cannot be used while an adapter is merged: unmerge it first');
    const base = this.base;
    return tf.tidy(() => {
      let y = base.forward(x); //                                                [B, ..., out]
      const rowShape = x.shape.slice(1, -1);
      for (const name of new Set(names)) {
        if (name === BASE_ADAPTER_NAME || !this.hasAdapter(name)) continue;
        const rows = names.flatMap((n, i) => (n === name ? [i] : []));
        const idx = tf.tensor1d(rows, 'int32');
        const sub = tf.reshape(tf.gather(x, idx), [-1, base.inFeatures]); //     [rows·…, in]
        const d = tf.reshape(this.delta(name, sub), [rows.length, ...rowShape, base.outFeatures]);
        y = tf.add(y, tf.scatterND(tf.reshape(idx, [-1, 1]), d, y.shape)); //   rows of y += d
      }
      return y;
    });
  }

  /** The update of `adapter` in the base weight's layout: (B·A)·scaling, transposed for Conv1D's [in, out]. */
  override deltaWeight(adapter = this.current()): Tensor {
    return tf.tidy(() => {
      const ba = matMul(this.loraBOf(adapter), this.loraAOf(adapter)); // [out, in]
      return tf.mul(this.base.fanInFanOut ? tf.transpose(ba) : ba, this.scalingOf(adapter));
    });
  }

  protected override onAdapterDeleted(name: string): void {
    this.settings.delete(name);
  }

  /** Frees every adapter's weights (the base layer stays alive). */
  disposeLora(): void {
    for (const name of this.adapterNames()) this.deleteAdapter(name, true);
  }
}
