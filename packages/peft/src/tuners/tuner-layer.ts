import { type Tensor, tf, type Variable } from '@gptft/backend';
import { type Linear, Module, ModuleDict, ParameterDict } from '@gptft/nn';

/**
 * The part of a module a tuner wrapped or replaced that holds adapters (HF PEFT's
 * `BaseTunerLayer`): per-adapter weights in dicts keyed by adapter name (`lora_A.default`,
 * `ia3_l.other`), so one layer holds several adapters; which of them are active; which are merged
 * into the base weights. A method's layer class extends this (or {@link LinearTunerLayer}) and
 * adds its forward and its merge arithmetic.
 */
export abstract class BaseTunerLayer extends Module {
  /**
   * Child names of the per-adapter dicts ({@link ModuleDict} or {@link ParameterDict}) — HF's
   * `adapter_layer_names`: `['lora_A', 'lora_B']`, `['ia3_l']`. Their entries are what the adapter
   * saves; other per-adapter children (dropout) go in {@link otherAdapterDicts}.
   */
  abstract readonly adapterLayerNames: readonly string[];
  /** Per-adapter dicts that hold no saved weights (`lora_dropout`). */
  readonly otherAdapterDicts: readonly string[] = [];
  /** Whether the layer computes mixed-adapter batches ({@link batchAdapterNames}); LoRA's do. */
  readonly supportsMixedBatch: boolean = false;
  /**
   * Per-row adapter names of the batch being run (HF PEFT's `adapter_names`; `__base__` = no
   * adapter), set by `PeftModel.withAdapterNames` for one call. Inference only.
   */
  batchAdapterNames: readonly string[] | undefined;
  /** Adapters whose effect is on (HF's `active_adapters`), in order. */
  protected active: string[] = [];
  /** Adapters added into the base weights, in merge order. */
  readonly mergedAdapters: string[] = [];

  /**
   * Paths inside this layer that belong to the tuner (the wrapped base layer, the adapter dicts):
   * target matching does not look inside them. Modules elsewhere in the layer stay targets.
   */
  internalPaths(): string[] {
    return [...this.adapterLayerNames, ...this.otherAdapterDicts];
  }

  /** The module this layer replaced, put back when its last adapter is removed. */
  abstract unwrap(): Module;

  /** HF's `merge` for one adapter: add its update into the base weights. */
  protected abstract mergeOne(adapterName: string): void;
  /** HF's `unmerge` for one adapter: take its update out of the base weights. */
  protected abstract unmergeOne(adapterName: string): void;

  /** Adapter names held by this layer, in insertion order. */
  adapterNames(): string[] {
    const names = new Set<string>();
    for (const d of this.adapterLayerNames)
      for (const n of this.getSubmodule<ModuleDict | ParameterDict>(d).keys()) names.add(n);
    return [...names];
  }

  hasAdapter(name: string): boolean {
    return this.adapterNames().includes(name);
  }

  /** Active adapters (HF's `active_adapters`). */
  get activeAdapters(): readonly string[] {
    return this.active;
  }

  /** Whether any adapter is merged (HF's `merged`). */
  get merged(): boolean {
    return this.mergedAdapters.length > 0;
  }

  /**
   * Switches the adapter's effect on or off (HF's `set_adapter`). Switching off a merged adapter
   * unmerges the layer first, as HF's forward does with adapters disabled.
   */
  setAdapterEnabled(name: string, enabled: boolean): void {
    if (!this.hasAdapter(name)) return;
    if (!enabled && this.mergedAdapters.includes(name)) this.unmerge();
    this.active = enabled
      ? this.active.includes(name)
        ? this.active
        : [...this.active, name]
      : this.active.filter((n) => n !== name);
  }

  /** Adds the given adapters' updates into the base weights (HF's `merge(adapter_names)`). */
  merge(adapterNames: readonly string[] = this.active): void {
    for (const name of adapterNames) {
      if (this.mergedAdapters.includes(name) || !this.hasAdapter(name)) continue;
      this.mergeOne(name);
      this.mergedAdapters.push(name);
    }
  }

  /** Takes every merged adapter back out, last merged first (HF's `unmerge`). */
  unmerge(): void {
    while (this.mergedAdapters.length > 0) this.unmergeOne(this.mergedAdapters.pop()!);
  }

  /**
   * The adapter's saved tensors by path inside this layer with the adapter name removed
   * (`lora_A.weight` for `lora_A.default.weight`, `ia3_l` for `ia3_l.default`) — HF's rule for saved keys.
   */
  adapterStateDict(name: string): Array<[string, Variable]> {
    const out: Array<[string, Variable]> = [];
    for (const dictName of this.adapterLayerNames) {
      const dict = this.getSubmodule(dictName);
      if (dict instanceof ParameterDict) {
        const v = dict.get(name);
        if (v) out.push([dictName, v]);
      } else if (dict instanceof ModuleDict) {
        const m = dict.get(name);
        if (m) for (const [p, v] of m.namedParameters()) out.push([`${dictName}.${p}`, v]);
      }
    }
    return out;
  }

  /**
   * Removes an adapter and frees its tensors (HF's `delete_adapter`). A merged adapter is kept in
   * the base weights when `keepMerged` (`merge_and_unload`), otherwise unmerged first.
   */
  deleteAdapter(name: string, keepMerged = false): void {
    if (this.mergedAdapters.includes(name)) {
      if (keepMerged) this.mergedAdapters.splice(this.mergedAdapters.indexOf(name), 1);
      else this.unmerge();
    }
    for (const dictName of [...this.adapterLayerNames, ...this.otherAdapterDicts]) {
      const dict = this.getSubmodule(dictName);
      if (dict instanceof ParameterDict) dict.delete(name)?.dispose();
      else if (dict instanceof ModuleDict) dict.delete(name)?.dispose();
    }
    this.active = this.active.filter((n) => n !== name);
    this.onAdapterDeleted(name);
  }

  /** Lets a layer drop its own per-adapter settings (rank, scaling) when an adapter is deleted. */
  protected onAdapterDeleted(_name: string): void {}
}

/**
 * A tuner layer around a {@link Linear} (GPT-2's `Conv1D` included): the original layer stays a
 * child named `base_layer` (PEFT's name, so its weight is `…c_attn.base_layer.weight`).
 */
export abstract class LinearTunerLayer extends BaseTunerLayer {
  constructor(base: Linear) {
    super();
    this.addModule('base_layer', base);
  }
  get base(): Linear {
    return this.child<Linear>('base_layer');
  }
  unwrap(): Module {
    return this.base;
  }
  override internalPaths(): string[] {
    return ['base_layer', ...super.internalPaths()];
  }
  abstract forward(x: Tensor): Tensor;

  /**
   * The adapter's additive update in the base weight's layout (`[in, out]` for Conv1D), for
   * methods whose merge is W ← W + ΔW (LoRA, AdaLoRA). Methods that merge otherwise (IA³
   * multiplies) override {@link mergeOne} / {@link unmergeOne} instead.
   */
  deltaWeight(_adapter: string): Tensor {
    throw new Error(
      `${this.constructor.name} has no additive update: it must override mergeOne and unmergeOne`,
    );
  }

  /** W ← W + ΔW. */
  protected mergeOne(name: string): void {
    this.addToWeight(name, 1);
  }

  /** W ← W − ΔW. */
  protected unmergeOne(name: string): void {
    this.addToWeight(name, -1);
  }

  private addToWeight(name: string, sign: 1 | -1): void {
    const w = this.base.weight;
    const next = tf.tidy(() =>
      sign > 0 ? tf.add(w, this.deltaWeight(name)) : tf.sub(w, this.deltaWeight(name)),
    );
    w.assign(next);
    next.dispose();
  }
}
