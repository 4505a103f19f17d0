import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
import type { Linear } from '@gptft/nn';
import {
  type AttachedAdapter,
  BaseTuner,
  type Target,
  type TunerAdapter,
  type TunerContext,
} from '@gptft/peft';
import { type AdaLoraConfig, AdaLoraConfigSchema, GPT2_ADALORA_TARGET_MODULES } from './adalora-config.js';
import { type AllocatedLayer, RankAllocator } from './rank-allocator.js';
import { SVDLinear } from './svd-linear.js';

// #region tuner
/**
 * AdaLoRA (Zhang et al. 2023), HF PEFT's `AdaLoraModel` (`peft_type: "ADALORA"`): the base
 * (`BaseTuner`) finds the targets and keeps one set of weights per adapter on each layer; AdaLoRA
 * adds its layer ({@link SVDLinear}), and to the attached adapter the orthogonal regularisation,
 * the rank allocation after each optimizer step, and saving/loading by `rank_pattern`.
 */
export class AdaLoraTuner extends BaseTuner<AdaLoraConfig, SVDLinear> {
  readonly peftType = 'ADALORA';
  readonly configSchema = AdaLoraConfigSchema;
  protected readonly layerClass = SVDLinear;
  override get displayName(): string {
    return 'AdaLoRA';
  }

  protected override prepareConfig({ config }: TunerContext<AdaLoraConfig>): void {
    config.target_modules ??= [...GPT2_ADALORA_TARGET_MODULES];
  }

  protected createAndReplace(
    target: Target,
    existing: SVDLinear | undefined,
    ctx: TunerContext<AdaLoraConfig>,
  ): SVDLinear {
    const { config } = ctx;
    const base = target.module as Linear;
    config.fan_in_fan_out = base.fanInFanOut; // PEFT: true for GPT-2's Conv1D
    const layer = existing ?? new SVDLinear(base);
    layer.updateLayer(ctx.adapterName, {
      r: config.init_r,
      loraAlpha: config.lora_alpha,
      dropout: config.lora_dropout,
      init: config.init_lora_weights,
      seeds: ctx.seeds,
      dropoutSeeds: ctx.backbone.seeds,
    });
    return layer;
  }

  protected override extendAdapter(
    adapter: TunerAdapter<SVDLinear>,
    ctx: TunerContext<AdaLoraConfig>,
  ): AttachedAdapter {
    return new AdaLoraAdapter(adapter, ctx);
  }
}
// #endregion tuner

/** An attached AdaLoRA adapter: the tuner's adapter plus what AdaLoRA adds. */
export class AdaLoraAdapter implements AttachedAdapter {
  private allocator: RankAllocator | undefined;

  constructor(
    private readonly inner: TunerAdapter<SVDLinear>,
    private readonly ctx: TunerContext<AdaLoraConfig>,
  ) {}

  private get name(): string {
    return this.inner.adapterName;
  }
  private get config(): AdaLoraConfig {
    return this.ctx.config;
  }
  private layers(): AllocatedLayer[] {
    return this.inner.layers.map(([path, layer]) => ({ module: this.ctx.moduleName(path), layer }));
  }

  stateDict(): Array<[string, Variable]> {
    return this.inner.stateDict();
  }
  merge(): void {
    this.inner.merge();
  }
  unmerge(): void {
    this.inner.unmerge();
  }
  get merged(): boolean {
    return this.inner.merged;
  }
  setEnabled(enabled: boolean): void {
    this.inner.setEnabled(enabled);
  }
  detach(): void {
    this.allocator?.reset();
    this.inner.detach();
  }

  // #region loss
  /**
   * `orth_reg_weight` × the mean over the adapter's A and B of ‖A·Aᵀ − I‖_F and ‖Bᵀ·B − I‖_F
   * (HF PEFT's `AdaLoraModel.forward`), while the adapter trains.
   */
  lossTerm(): Tensor | undefined {
    const mats = this.inner.layers.flatMap(([, l]) => {
      const { a, b } = l.weights(this.name);
      return [
        [a, true],
        [b, false],
      ] as Array<[Variable, boolean]>;
    });
    const trained = mats.filter(([p]) => p.trainable && p.size > 0);
    if (trained.length === 0) return undefined;
    return tf.tidy(() => {
      let sum: Tensor = tf.scalar(0);
      for (const [p, isA] of trained) {
        const cov = isA ? matMul(p, p, false, true) : matMul(p, p, true, false); // [r, r]
        sum = tf.add(sum, tf.sqrt(tf.sum(tf.square(tf.sub(cov, tf.eye(cov.shape[0]!))))));
      }
      return tf.mul(tf.div(sum, trained.length), this.config.orth_reg_weight);
    });
  }
  // #endregion loss

  // #region step
  /** HF's `update_and_allocate(global_step)`, called by the trainer after each optimizer step. */
  onOptimizerStep(step: number, grads: ReadonlyMap<Variable, Tensor>): void {
    this.allocator ??= new RankAllocator(this.config, this.name, this.layers());
    const pattern = this.allocator.updateAndAllocate(step, grads);
    if (pattern) this.config.rank_pattern = pattern;
  }
  // #endregion step

  /** The rank pattern by HF module name (keys with or without the adapter name), if any. */
  private patternByModule(): Map<string, boolean[]> | undefined {
    const pattern = this.config.rank_pattern;
    if (!pattern) return undefined;
    const byModule = new Map<string, boolean[]>();
    const suffix = `.lora_E.${this.name}`;
    for (const [k, v] of Object.entries(pattern)) {
      byModule.set(k.endsWith(suffix) ? k.slice(0, -suffix.length) : k.replace(/\.lora_E$/, ''), v);
    }
    return byModule;
  }

  /**
   * What PEFT saves: the tensors pruned to the kept singular values, and `rank_pattern` in the
   * config with the adapter name taken out of its keys (HF's `_get_adapter_state_dict`).
   */
  savedStateDict(): Array<[string, Tensor]> | undefined {
    const byModule = this.patternByModule();
    if (!byModule) return undefined;
    this.config.rank_pattern = Object.fromEntries([...byModule].map(([m, v]) => [`${m}.lora_E`, v]));
    const out: Array<[string, Tensor]> = [];
    for (const [path, layer] of this.inner.layers) {
      const keep = byModule.get(this.ctx.moduleName(path));
      const { a, e, b } = layer.weights(this.name);
      const key = (s: string) => this.ctx.savedKey(`${path}.${s}`);
      const rows = keep ? keep.flatMap((k, i) => (k ? [i] : [])) : undefined;
      const prune = rows !== undefined && rows.length !== a.shape[0];
      out.push(
        [key('lora_A'), prune ? tf.gather(a, rows) : tf.clone(a)],
        [key('lora_B'), prune ? tf.gather(b, rows, 1) : tf.clone(b)],
        [key('lora_E'), prune ? tf.gather(e, rows) : tf.clone(e)],
      );
    }
    return out.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  }

  /** Before a saved adapter is loaded: each module resized to its pattern's rank (`ranknum` kept). */
  prepareLoad(): void {
    const byModule = this.patternByModule();
    if (!byModule) return;
    for (const [path, layer] of this.inner.layers) {
      const keep = byModule.get(this.ctx.moduleName(path));
      if (!keep) continue;
      const rank = keep.filter(Boolean).length;
      if (rank !== layer.rank(this.name)) layer.resizeAdapter(this.name, rank);
    }
  }
}

/** AdaLoRA as a PEFT method; importing `@gptft/peft-adalora` registers it. */
export const ADALORA = new AdaLoraTuner();
