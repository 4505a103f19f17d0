import type { Tensor, Variable } from '@gptft/backend';
import type { GPT2Model } from '@gptft/gpt2-model';
import { Linear, type Module, SeedStream } from '@gptft/nn';
import type { z } from 'zod';
import type { AttachedAdapter, AttachOptions, BasePeftConfig, TunerMethod } from '../method.js';
import { checkTargetModuleExists, type TargetConfig } from './matcher.js';
import { BaseTunerLayer } from './tuner-layer.js';

/** The prefix of every PEFT saved key before the wrapped model's own parameter names. */
export const PEFT_KEY_ROOT = 'base_model.model.';

/** What a tuner's steps get besides the config. */
export interface TunerContext<C> {
  readonly config: C;
  /** The adapter being added (`default`, …). */
  readonly adapterName: string;
  /** The backbone the adapter goes on. */
  readonly backbone: GPT2Model;
  /** Init seeds of this adapter: seeded by `options.seed`, else random. */
  readonly seeds: SeedStream;
  /** HF's module name of a backbone path (`h.0.attn.c_attn` → `transformer.h.0.attn.c_attn`). */
  moduleName(path: string): string;
  /** PEFT's saved key of a backbone path (`base_model.model.transformer.h.0…`). */
  savedKey(path: string): string;
}

/** A target the tuner found: its backbone path and the module there now. */
export interface Target {
  path: string;
  module: Module;
}

/**
 * HF PEFT's `BaseTuner` for gptft: everything a tuner method shares — find the targets (one
 * matcher, {@link checkTargetModuleExists}), wrap each in the method's layer or add the adapter to
 * a layer of the method already there, name the saved tensors as PEFT does, and merge, switch and
 * remove adapters through the layers. A method fills in its config schema, its layer class and
 * {@link createAndReplace}.
 */
export abstract class BaseTuner<C extends BasePeftConfig & TargetConfig, L extends BaseTunerLayer>
  implements TunerMethod<C>
{
  readonly kind = 'tuner' as const;
  abstract readonly peftType: string;
  abstract readonly configSchema: z.ZodType<C>;
  /** The method's layer class (HF's `tuner_layer_cls`). */
  protected abstract readonly layerClass: abstract new (
    ...args: never[]
  ) => L;
  /** Set by methods whose adapters cannot be merged into the base weights: the error to throw. */
  protected readonly mergeError: string | undefined = undefined;
  /** The method's name in error messages (default: its `peft_type`). */
  get displayName(): string {
    return this.peftType;
  }

  /** HF's `_prepare_adapter_config`: fill in model defaults (`target_modules`) before matching. */
  protected prepareConfig(_ctx: TunerContext<C>): void {}

  /**
   * The modules the adapter goes on. Default: every module of the backbone whose HF name the
   * config selects (`checkTargetModuleExists`), except the insides of tuner layers (their base
   * layer and adapter weights).
   */
  protected findTargets(ctx: TunerContext<C>): Target[] {
    const found: Target[] = [];
    const inside: string[] = [];
    for (const [path, module] of ctx.backbone.namedModules()) {
      if (path === '' || inside.some((p) => path === p || path.startsWith(`${p}.`))) continue;
      if (module instanceof BaseTunerLayer) inside.push(...module.internalPaths().map((p) => `${path}.${p}`));
      if (checkTargetModuleExists(ctx.config, ctx.moduleName(path)) === true) found.push({ path, module });
    }
    return found;
  }

  /** Which modules the method can wrap (HF's supported-layer check). Default: {@link Linear} (and `Conv1D`). */
  protected canWrap(module: Module): boolean {
    return module instanceof Linear;
  }

  /**
   * HF's `_create_and_replace` for one target: a new layer holding the adapter around `target`,
   * or — when `target` already is this method's layer — the adapter added to it (`updateLayer`).
   * Returns the layer that holds the adapter; the base puts a new one in the model.
   */
  protected abstract createAndReplace(target: Target, existing: L | undefined, ctx: TunerContext<C>): L;

  /** Extra parameters the adapter trains and saves, by backbone path (LoRA's `bias`). */
  protected extraParameters(
    _layers: ReadonlyArray<[string, L]>,
    _ctx: TunerContext<C>,
  ): Array<[string, Variable]> {
    return [];
  }

  /** Adds method-specific behaviour to the attached adapter (AdaLoRA's rank allocator). */
  protected extendAdapter(adapter: TunerAdapter<L>, _ctx: TunerContext<C>): AttachedAdapter {
    return adapter;
  }

  /** The context of one `attach`. */
  protected context(backbone: GPT2Model, config: C, options: AttachOptions): TunerContext<C> {
    const modulePrefix = options.keyPrefix.startsWith(PEFT_KEY_ROOT)
      ? options.keyPrefix.slice(PEFT_KEY_ROOT.length)
      : options.keyPrefix;
    return {
      config,
      adapterName: options.adapterName ?? 'default',
      backbone,
      seeds: new SeedStream(options.seed),
      moduleName: (path) => modulePrefix + path,
      savedKey: (path) => options.keyPrefix + path,
    };
  }

  attach(backbone: GPT2Model, config: C, options: AttachOptions): AttachedAdapter {
    const ctx = this.context(backbone, config, options);
    this.prepareConfig(ctx);
    const targets = this.findTargets(ctx);
    if (targets.length === 0) {
      throw new Error(
        `${this.displayName}: target_modules ${JSON.stringify(config.target_modules ?? null)} matched no Conv1D layer of the model (adapters go on Conv1D and Linear layers)`,
      );
    }
    // Check every target before changing anything, so a refused config leaves the model as it was.
    for (const { path, module } of targets) {
      if (module instanceof this.layerClass) {
        if ((module as L).hasAdapter(ctx.adapterName)) {
          throw new Error(`${this.displayName}: ${path} already has an adapter named "${ctx.adapterName}"`);
        }
      } else if (!this.canWrap(module)) {
        throw new Error(
          `${this.displayName}: target module ${path} is a ${module.constructor.name}, not a Conv1D (it may already carry another method's adapter; a layer takes adapters of one method)`,
        );
      }
    }
    const layers: Array<[string, L]> = [];
    try {
      for (const target of targets) {
        const existing = target.module instanceof this.layerClass ? (target.module as L) : undefined;
        const layer = this.createAndReplace(target, existing, ctx);
        if (!existing) {
          layer.train(backbone.training);
          backbone.setSubmodule(target.path, layer);
        }
        layer.setAdapterEnabled(ctx.adapterName, true);
        layers.push([target.path, layer]);
      }
    } catch (e) {
      new TunerAdapter(ctx, layers, []).detach();
      throw e;
    }
    const adapter = new TunerAdapter(ctx, layers, this.extraParameters(layers, ctx), this.mergeError);
    return this.extendAdapter(adapter, ctx);
  }
}

/** One adapter name on a tuner's layers: what {@link BaseTuner.attach} returns. */
export class TunerAdapter<L extends BaseTunerLayer> implements AttachedAdapter {
  constructor(
    readonly ctx: TunerContext<unknown>,
    /** The layers holding this adapter, by backbone path. */
    readonly layers: Array<[string, L]>,
    /** Extra trained parameters by backbone path (saved under PEFT's key for that path). */
    private readonly extra: Array<[string, Variable]>,
    /** Set when the method cannot merge: `merge`/`unmerge` throw it. */
    private readonly mergeError?: string,
  ) {}

  get adapterName(): string {
    return this.ctx.adapterName;
  }

  stateDict(): Array<[string, Variable]> {
    const out: Array<[string, Variable]> = [];
    for (const [path, layer] of this.layers) {
      for (const [suffix, v] of layer.adapterStateDict(this.adapterName))
        out.push([this.ctx.savedKey(`${path}.${suffix}`), v]);
    }
    for (const [path, p] of this.extra) out.push([this.ctx.savedKey(path.replace('.base_layer.', '.')), p]);
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  merge(): void {
    if (this.mergeError) throw new Error(this.mergeError);
    for (const [, l] of this.layers) l.merge([this.adapterName]);
  }
  unmerge(): void {
    if (this.mergeError) throw new Error(this.mergeError);
    for (const [, l] of this.layers) if (l.mergedAdapters.includes(this.adapterName)) l.unmerge();
  }
  get merged(): boolean {
    return (
      this.layers.length > 0 && this.layers.every(([, l]) => l.mergedAdapters.includes(this.adapterName))
    );
  }
  setEnabled(enabled: boolean): void {
    for (const [, l] of this.layers) l.setAdapterEnabled(this.adapterName, enabled);
  }

  /**
   * Removes the adapter from every layer; a layer left without adapters is replaced by the module
   * it wrapped. A merged adapter stays in the base weights (`mergeAndUnload` merges, then detaches).
   */
  detach(): void {
    for (const [path, l] of this.layers) {
      l.deleteAdapter(this.adapterName, true);
      if (l.adapterNames().length === 0) this.ctx.backbone.setSubmodule(path, l.unwrap());
    }
    for (const [, p] of this.extra) p.trainable = false;
    this.layers.length = 0;
  }
}

export type { Tensor };
