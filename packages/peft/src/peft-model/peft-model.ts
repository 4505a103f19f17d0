import { type Tensor, tf, type Variable } from '@gptft/backend';
import type { Folder, WritableFolder } from '@gptft/hub';
import type { GPT2Model } from '@gptft/gpt2-model';
import type { Module, SeedStream } from '@gptft/nn';
import { BASE_ADAPTER_NAME } from '../lora/layer.js';
import type { WeightedAdapterOptions, WeightedSource } from '../lora/weighted.js';
import {
  type BasePeftConfig,
  getPeftMethod,
  isPromptLearning,
  loadPeftMethod,
  type MethodImporter,
  type PromptLearningAdapter,
  parsePeftConfig,
  type TunerMethod,
} from '../method.js';
import { BaseTunerLayer } from '../tuners/tuner-layer.js';
import { type AdapterEntry, AdapterRegistry } from './adapter-registry.js';
import {
  adapterFolder,
  assignAdapterWeights,
  openAdapterWeights,
  readAdapterConfigJson,
  readSnapshot,
  snapshotTensors,
  writeAdapterFolder,
} from './adapter-io.js';
import { modulesToSaveParameters } from './modules-to-save.js';
import { countParameters, trainableParametersLine } from './parameter-count.js';
import { installPromptForward, isWrapped } from './prompt-forward.js';
import {
  backboneOf,
  CLASSIFICATION_TASKS,
  CLASSIFIER_MODULE_NAMES,
  classificationTaskType,
  classifierModuleNames,
  keyPrefixes,
} from './task-type.js';

/** Options of {@link getPeftModel} / {@link PeftModel.addAdapter}. */
export interface PeftModelOptions {
  /** Adapter name (PEFT's default: `default`). */
  adapterName?: string;
  /** Saved key prefix before backbone parameter names (default `base_model.model.transformer.`). */
  keyPrefix?: string;
  /** Seed of the adapter's random initialisation. */
  seed?: number;
}

/** Options of {@link PeftModel.fromPretrained} / {@link PeftModel.loadAdapter}. */
export interface PeftFromPretrainedOptions extends PeftModelOptions {
  /** Whether the loaded adapter trains (PEFT's `is_trainable`; default false = inference). */
  isTrainable?: boolean;
  /**
   * Imports the package of a method that is not registered yet (`@gptft/peft-<method>`), from the
   * caller's dependencies: pass `(s) => import(s)`. Without it the method must be imported already.
   */
  importMethod?: MethodImporter;
}

type ForwardInput<M> = M extends { forward(input: infer I): unknown } ? I : never;
type ForwardOutput<M> = M extends { forward(input: never): infer O } ? O : never;

/** The extra input of {@link PeftModel.forward}: HF PEFT's `adapter_names`. */
export interface MixedBatchInput {
  /** One adapter name per batch row (`__base__`: the base model), for a mixed-adapter batch. */
  adapterNames?: readonly string[];
}

/**
 * A GPT-2 model with PEFT adapters attached, like HF PEFT's `PeftModel`. `model` is what was given
 * to {@link getPeftModel}: the backbone, or a task model (`GPT2LMHeadModel`,
 * `GPT2ForSequenceClassification`, …) that declares its backbone. The base parameters are frozen;
 * adapter parameters (and `modules_to_save`) train. Adapters change the model in place, so the
 * head's own `forward` (and `generate`) run with the active adapter; prefix keys/values are put in
 * front by the backbone's `forward` while a prompt-learning adapter is active.
 */
export class PeftModel<M extends Module = GPT2Model> {
  private readonly registry = new AdapterRegistry();
  /** The backbone (`GPT2Model`) the adapters attach to. */
  readonly baseModel: GPT2Model;
  private uninstallForward: (() => void) | undefined;

  private constructor(
    /** The model given to {@link getPeftModel} / {@link fromPretrained}: a task model or the backbone. */
    readonly model: M,
  ) {
    this.baseModel = backboneOf(model);
    if (isWrapped(this.baseModel)) {
      throw new Error(
        'PeftModel: this model is already wrapped by a PeftModel; add adapters to that one (addAdapter / loadAdapter) or unload() it first',
      );
    }
    model.requiresGrad(false);
    this.uninstallForward = installPromptForward(this.baseModel, () => this.registry.current()?.prompt);
  }

  /** Wraps `model` with a new adapter from `config` (see {@link getPeftModel}). */
  static create<M extends Module>(
    model: M,
    config: BasePeftConfig,
    options: PeftModelOptions = {},
  ): PeftModel<M> {
    const pm = new PeftModel(model);
    try {
      pm.addAdapter(options.adapterName ?? 'default', config, options);
    } catch (e) {
      pm.unload();
      throw e;
    }
    return pm;
  }

  /**
   * Loads a PEFT adapter folder (`adapter_config.json` + `adapter_model.safetensors`) onto
   * `model` (the backbone or a task model). Errors name the file and the tensor; a failed load
   * leaves the model as it was.
   */
  static async fromPretrained<M extends Module>(
    model: M,
    adapterDir: string | Folder,
    options: PeftFromPretrainedOptions = {},
  ): Promise<PeftModel<M>> {
    const pm = new PeftModel(model);
    try {
      await pm.loadAdapter(adapterDir, options.adapterName ?? 'default', options);
    } catch (e) {
      pm.unload(); // the model as it was (no forward override left behind)
      throw e;
    }
    return pm;
  }

  /** Attaches another adapter (it becomes active only through {@link setAdapter}, unless it is the first). */
  addAdapter(name: string, config: BasePeftConfig, options: PeftModelOptions = {}): void {
    if (this.registry.has(name)) throw new Error(`adapter "${name}" already exists`);
    const method = getPeftMethod(config.peft_type);
    const input: BasePeftConfig = { ...config };
    // HF PEFT's PeftModelForSequenceClassification / …TokenClassification: the classifier head
    // trains and is saved with the adapter. Done by default for a classification task model; a
    // task_type given explicitly decides otherwise.
    const detected = classificationTaskType(this.model);
    if (input.task_type == null && detected) input.task_type = detected;
    const classification = typeof input.task_type === 'string' && CLASSIFICATION_TASKS.has(input.task_type);
    const promptLearning = isPromptLearning(method);
    const given = (input.modules_to_save as string[] | null | undefined) ?? [];
    if (classification && !promptLearning) {
      // PEFT writes its names into the config (prompt-learning configs have no such field).
      input.modules_to_save = [...given, ...CLASSIFIER_MODULE_NAMES.filter((n) => !given.includes(n))];
    }
    const parsed = parsePeftConfig(input, `adapter "${name}" config`);
    const prefixes = keyPrefixes(this.model, options.keyPrefix);
    const attached = method.attach(this.baseModel, parsed, {
      keyPrefix: prefixes.backbone,
      seed: options.seed,
      adapterName: name,
      model: this.model,
    });
    let modulesToSave: Array<[string, Variable]>;
    try {
      const optional = classification ? classifierModuleNames(this.model) : [];
      const names = [
        ...new Set([...((parsed.modules_to_save as string[] | null | undefined) ?? []), ...optional]),
      ];
      modulesToSave = modulesToSaveParameters(this.model, names, optional, prefixes.root);
    } catch (e) {
      attached.detach();
      throw e;
    }
    const entry: AdapterEntry = {
      config: parsed,
      adapter: attached,
      prompt: promptLearning ? (attached as PromptLearningAdapter) : undefined,
      modulesToSave,
    };
    for (const [, v] of this.fullStateDict(entry)) v.trainable = !parsed.inference_mode;
    this.registry.add(name, entry);
  }

  /** Loads an adapter folder under `name` (see {@link fromPretrained}). */
  async loadAdapter(
    adapterDir: string | Folder,
    name: string,
    options: PeftFromPretrainedOptions = {},
  ): Promise<void> {
    const { json, path } = await readAdapterConfigJson(adapterDir);
    const peftType = (json as { peft_type?: unknown } | null)?.peft_type;
    if (options.importMethod && typeof peftType === 'string')
      await loadPeftMethod(peftType, options.importMethod);
    const config = parsePeftConfig(json, path);
    const weights = await openAdapterWeights(adapterDir);
    // As PEFT: a loaded adapter is built in inference layout (prefix tuning: the saved table).
    this.addAdapter(name, { ...config, inference_mode: true }, options);
    const entry = this.registry.get(name);
    entry.config.inference_mode = config.inference_mode;
    try {
      entry.adapter.prepareLoad?.(weights.shapes);
      this.registry.modulesToSave.hold(name); // write into this adapter's own modules_to_save copy
      const sd = this.fullStateDict(entry);
      assignAdapterWeights(weights, sd, config.peft_type);
      for (const [, v] of sd) v.trainable = options.isTrainable ?? false;
    } catch (e) {
      this.deleteAdapter(name);
      throw e;
    }
    this.registry.apply();
  }

  /** The adapter's own tensors plus its `modules_to_save`, sorted by key. */
  private fullStateDict(e: AdapterEntry): Array<[string, Variable]> {
    const sd = e.adapter.stateDict();
    if (e.modulesToSave.length === 0) return sd;
    return [...sd, ...e.modulesToSave].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Makes `name` the active adapter; the others stay attached but have no effect. */
  setAdapter(name: string): void {
    this.registry.setActive(name);
  }

  /** The active adapter's name. */
  get activeAdapter(): string {
    return this.registry.active;
  }

  /** Adapter names → configs (PEFT's `peft_config`). */
  get peftConfig(): Record<string, BasePeftConfig> {
    return Object.fromEntries([...this.registry].map(([k, e]) => [k, e.config]));
  }

  /**
   * Turns every adapter off (the base model alone: tuner layers pass through, no prefix) until
   * {@link enableAdapter}. `modules_to_save` get their original values until enabled again.
   */
  disableAdapter(): void {
    this.registry.setDisabled(true);
  }

  /** Undoes {@link disableAdapter}. */
  enableAdapter(): void {
    this.registry.setDisabled(false);
  }

  /** Whether {@link disableAdapter} is in effect. */
  get adapterDisabled(): boolean {
    return this.registry.disabled;
  }

  /** Removes an adapter and frees its tensors (unmerged first; its `modules_to_save` get their original values back). */
  deleteAdapter(name: string): void {
    const { adapter } = this.registry.get(name);
    if (adapter.merged) adapter.unmerge?.();
    adapter.detach();
    this.registry.delete(name);
  }

  /**
   * The wrapped model's forward (HF PEFT's `PeftModel.forward`) with the active adapter — the
   * backbone's for a `GPT2Model`, the head's for a task model. With `adapterNames`, each batch row
   * runs with its own adapter ({@link withAdapterNames}). In training mode, a loss in the output
   * gets the active adapter's loss term added (AdaLoRA's orthogonal regularisation): it is a
   * regulariser of training, so an evaluation (eval mode) reports the task loss alone — the same
   * number for the live adapter at the end of training and for the saved adapter loaded again.
   * (HF PEFT's `AdaLoraModel.forward` adds it to every loss, evaluation included.)
   */
  forward(input: ForwardInput<M> & MixedBatchInput): ForwardOutput<M> {
    const { adapterNames, ...rest } = input as ForwardInput<M> & MixedBatchInput & object;
    const model = this.model as unknown as { forward(i: unknown): unknown };
    const run = () => model.forward(rest) as ForwardOutput<M>;
    const out = adapterNames ? this.withAdapterNames(adapterNames, run) : run();
    const withLoss = out as { loss?: Tensor };
    const term = withLoss.loss && this.model.training ? this.lossTerm() : undefined;
    if (term && withLoss.loss) {
      const loss = withLoss.loss;
      withLoss.loss = tf.add(loss, term);
      term.dispose();
      // Inside a gradient tape the summands are the tape's; outside, they are ours to free.
      if (!(tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth)
        loss.dispose();
    }
    return out;
  }

  /**
   * The active adapter's term added to the training loss (AdaLoRA's orthogonal regularisation;
   * `undefined` for most methods). {@link forward} adds it to a loss; a training loop that calls
   * the wrapped model itself adds it.
   */
  lossTerm(): Tensor | undefined {
    return this.registry.current()?.adapter.lossTerm?.();
  }

  /**
   * Runs `fn` (a forward pass, `generate`, …) with a mixed-adapter batch, as HF PEFT's
   * `adapter_names` argument: batch row b uses adapter `adapterNames[b]` (`__base__` for the base
   * model). Needs the model in eval mode and tuner layers that support it (LoRA); a layer of
   * another method (IA³, bottleneck, AdaLoRA) may be in the model as long as it is off for this
   * batch: none of its adapters active (`disableAdapter`, or another adapter set), merged or named.
   */
  withAdapterNames<T>(adapterNames: readonly string[], fn: () => T): T {
    for (const n of new Set(adapterNames)) {
      if (n === BASE_ADAPTER_NAME) continue;
      if (this.registry.get(n).prompt) {
        throw new Error(
          `adapterNames: "${n}" is a prompt-learning adapter; mixed batches need LoRA adapters`,
        );
      }
    }
    const layers = this.baseModel.namedModules().filter(([, m]) => m instanceof BaseTunerLayer) as Array<
      [string, BaseTunerLayer]
    >;
    const named = new Set(adapterNames);
    const unsupported = layers.find(
      ([, l]) =>
        !l.supportsMixedBatch &&
        (l.activeAdapters.length > 0 || l.merged || l.adapterNames().some((n) => named.has(n))),
    );
    if (unsupported) {
      throw new Error(
        `adapterNames: ${unsupported[0]} is a ${unsupported[1].constructor.name}, which cannot run a mixed-adapter batch (LoRA layers can)`,
      );
    }
    for (const [, l] of layers) l.batchAdapterNames = adapterNames;
    try {
      return fn();
    } finally {
      for (const [, l] of layers) l.batchAdapterNames = undefined;
    }
  }

  /** All parameters of the model, by their path in it (PyTorch's `named_parameters`). */
  namedParameters(): Array<[string, Variable]> {
    return this.model.namedParameters();
  }

  /**
   * Trainable parameters under their PEFT key names: the active adapter's (with its
   * `modules_to_save`) and any base parameter made trainable; other adapters' are left out.
   */
  namedTrainableParameters(): Array<[string, Variable]> {
    const out = new Map<Variable, string>();
    const active = this.fullStateDict(this.registry.get());
    // Other adapters' parameters live in the model tree too (wrapped layers): they do not train now.
    const others = new Set<Variable>();
    for (const [name, e] of this.registry)
      if (name !== this.registry.active) for (const [, v] of this.fullStateDict(e)) others.add(v);
    for (const [, v] of active) others.delete(v);
    for (const [name, p] of this.model.namedParameters()) if (p.trainable && !others.has(p)) out.set(p, name);
    for (const [key, v] of active) if (v.trainable) out.set(v, key);
    return [...out].map(([v, k]) => [k, v]);
  }

  /** Trainable variables (for an optimizer / `tf.variableGrads`). */
  trainableVariables(): Variable[] {
    return this.namedTrainableParameters().map(([, v]) => v);
  }

  /**
   * Called by a trainer after each optimizer step with that step's gradients by the names of
   * {@link namedTrainableParameters}; passed on to the active adapter (AdaLoRA's rank allocation,
   * HF's `update_and_allocate`). `step` counts from 0.
   */
  onOptimizerStep(step: number, grads: Readonly<Record<string, Tensor>>): void {
    const adapter = this.registry.current()?.adapter;
    if (!adapter?.onOptimizerStep) return;
    const byVariable = new Map<Variable, Tensor>();
    for (const [name, v] of this.namedTrainableParameters()) {
      const g = grads[name];
      if (g) byVariable.set(v, g);
    }
    adapter.onOptimizerStep(step, byVariable);
  }

  /** `{ trainable, all }` parameter counts, as PEFT's `get_nb_trainable_parameters`. */
  getNbTrainableParameters(): { trainable: number; all: number } {
    return countParameters(
      this.model,
      [...this.registry].map(([, e]) => e),
      (e) => this.fullStateDict(e),
    );
  }

  /** PEFT's line: `trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364`. */
  trainableParametersLine(): string {
    return trainableParametersLine(this.getNbTrainableParameters());
  }

  /** Prints {@link trainableParametersLine} (HF PEFT's `print_trainable_parameters`). */
  printTrainableParameters(): void {
    console.log(this.trainableParametersLine());
  }

  /** The adapter's tensors under PEFT's key names. */
  stateDict(name = this.registry.active): Array<[string, Variable]> {
    return this.fullStateDict(this.registry.get(name));
  }

  /**
   * Writes each adapter as PEFT does: `adapter_config.json` (sorted keys, 2-space indent,
   * `inference_mode: true`) and `adapter_model.safetensors` (F32, metadata `format: pt`); the
   * `default` adapter in `dir`, others in `dir/<name>/`. Files are written atomically. `dir` is a
   * path (Node) or a `WritableFolder` (a page: `memoryFolder()` then `zipFolder`, or `opfsFolder`).
   */
  async savePretrained(
    dir: string | WritableFolder,
    options: { selectedAdapters?: string[] } = {},
  ): Promise<void> {
    for (const name of options.selectedAdapters ?? this.registry.names) {
      const e = this.registry.get(name);
      const computed = e.adapter.savedStateDict?.();
      const own = computed ? [...computed, ...e.modulesToSave] : this.fullStateDict(e);
      this.registry.modulesToSave.hold(name); // this adapter's modules_to_save values, even when it is not active
      let held: ReturnType<typeof snapshotTensors>;
      try {
        held = snapshotTensors(own);
      } finally {
        this.registry.apply();
        if (computed) tf.dispose(computed.map(([, t]) => t));
      }
      await writeAdapterFolder(adapterFolder(dir, name), e.config, await readSnapshot(held));
    }
  }

  /** Merges the active adapter into the base weights; throws for methods that cannot merge. */
  mergeAdapter(): void {
    const { adapter, config } = this.registry.get();
    if (!adapter.merge) throw new Error(`${config.peft_type} adapters cannot be merged`);
    adapter.merge();
  }

  /** Undoes {@link mergeAdapter}. */
  unmergeAdapter(): void {
    const { adapter, config } = this.registry.get();
    if (!adapter.unmerge) throw new Error(`${config.peft_type} adapters cannot be unmerged`);
    adapter.unmerge();
  }

  /**
   * HF PEFT's `add_weighted_adapter`: a new adapter `name` combining `adapters` with `weights`
   * (LoRA: `svd`, `linear` or `cat`; see `@gptft/peft`'s `weighted.ts`). The new adapter is not
   * active and does not train until {@link setAdapter}.
   */
  addWeightedAdapter(
    adapters: readonly string[],
    weights: readonly number[],
    name: string,
    options: WeightedAdapterOptions = {},
  ): void {
    if (adapters.length === 0 || adapters.length !== weights.length) {
      throw new Error('addWeightedAdapter: give one weight per adapter (and at least one adapter)');
    }
    if (this.registry.has(name)) throw new Error(`adapter "${name}" already exists`);
    const configs = adapters.map((a) => this.registry.get(a).config);
    const types = new Set(configs.map((c) => c.peft_type));
    if (types.size !== 1)
      throw new Error(`addWeightedAdapter: the adapters are of different methods (${[...types].join(', ')})`);
    const method = getPeftMethod(configs[0]!.peft_type) as TunerMethod & {
      weightedAdapterConfig?(c: readonly BasePeftConfig[], o: WeightedAdapterOptions): BasePeftConfig;
      fillWeightedAdapter?(
        root: Module,
        n: string,
        s: readonly WeightedSource[],
        o: WeightedAdapterOptions,
      ): void;
    };
    if (!method.weightedAdapterConfig || !method.fillWeightedAdapter) {
      throw new TypeError(`${configs[0]!.peft_type} adapters do not support addWeightedAdapter (LoRA does)`);
    }
    const config = method.weightedAdapterConfig(configs, options);
    this.addAdapter(name, { ...config, inference_mode: true });
    method.fillWeightedAdapter(
      this.baseModel,
      name,
      adapters.map((a, i) => ({ name: a, weight: weights[i]! })),
      options,
    );
  }

  /**
   * Merges the active adapter, removes all adapters and returns the plain model given to
   * {@link getPeftModel} (task model or backbone). As in HF PEFT, the active adapter's trained
   * `modules_to_save` (e.g. the classifier head) stay in the returned model.
   */
  mergeAndUnload(): M {
    this.mergeAdapter();
    const active = this.registry.active;
    const { adapter } = this.registry.get(active);
    adapter.detach(); // merged weights stay in the base layers
    this.registry.delete(active, true);
    return this.unload();
  }

  /**
   * Removes all adapters without merging and returns the model given to {@link getPeftModel}, as
   * it was before (`modules_to_save` get their original values back).
   */
  unload(): M {
    for (const name of this.registry.names) this.deleteAdapter(name);
    this.uninstallForward?.();
    this.uninstallForward = undefined;
    return this.model;
  }

  /** The backbone's seed stream (dropout masks), which a trainer saves in checkpoints. */
  get seeds(): SeedStream {
    return this.baseModel.seeds;
  }

  /** Sets training/eval mode on the model (and wrapped layers). */
  train(mode = true): this {
    this.model.train(mode);
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Frees adapters and the model. */
  dispose(): void {
    this.unload();
    this.model.dispose();
  }
}

/**
 * HF PEFT's `get_peft_model`: freezes `model` (a `GPT2Model`, or a task model of `@gptft/heads`)
 * and attaches a new adapter from `config`. For a classification task model the task type
 * defaults to `SEQ_CLS` / `TOKEN_CLS` and the head trains and is saved with the adapter
 * (`modules_to_save`).
 */
export function getPeftModel<M extends Module>(
  model: M,
  config: BasePeftConfig,
  options: PeftModelOptions = {},
): PeftModel<M> {
  return PeftModel.create(model, config, options);
}
