import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Tensor, tf, type Variable } from '@gptft/backend';
import {
  disposePast,
  GPT2Model,
  type GPT2ModelInput,
  type GPT2ModelOutput,
  type Module,
} from '@gptft/gpt2-model';
import { SafetensorsFile, writeFileAtomic, writeSafetensors } from '@gptft/hub';
import { type AttachedAdapter, type BasePeftConfig, getPeftMethod, parsePeftConfig } from './method.js';
import { ModulesToSaveStore, modulesToSaveParameters } from './modules-to-save.js';

/** Saved key prefix of a GPT-2 causal-LM adapter (PEFT wraps `GPT2LMHeadModel`: `transformer.`). */
export const DEFAULT_KEY_PREFIX = 'base_model.model.transformer.';
/** PEFT's file names. */
export const ADAPTER_CONFIG_NAME = 'adapter_config.json';
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';

/** Options of {@link getPeftModel} / {@link PeftModel.addAdapter}. */
export interface PeftModelOptions {
  /** Adapter name (PEFT's default: `default`). */
  adapterName?: string;
  /** Saved key prefix before backbone parameter names (default `base_model.model.transformer.`). */
  keyPrefix?: string;
  /** Seed of the adapter's random initialisation. */
  seed?: number;
}

/** Options of {@link PeftModel.fromPretrained}. */
export interface PeftFromPretrainedOptions extends PeftModelOptions {
  /** Whether the loaded adapter trains (PEFT's `is_trainable`; default false = inference). */
  isTrainable?: boolean;
}

interface Entry {
  config: BasePeftConfig;
  adapter: AttachedAdapter;
  /** Its `modules_to_save` parameters under their saved keys (values swapped in by the store). */
  modulesToSave: Array<[string, Variable]>;
}

/** Names HF PEFT adds to `modules_to_save` for `SEQ_CLS` / `TOKEN_CLS` (its `classifier_module_names`). */
export const CLASSIFIER_MODULE_NAMES = ['classifier', 'score'] as const;
/** Task types whose head is trained and saved with the adapter by default (as HF PEFT does). */
const CLASSIFICATION_TASKS = new Set(['SEQ_CLS', 'TOKEN_CLS']);

/** Marks a backbone wrapped by a {@link PeftModel} (one at a time). */
const WRAPPED = Symbol('gptft.peftModel');

/** The GPT-2 backbone of `model`: the model itself, or a head model's `transformer` child. */
function backboneOf(model: Module): GPT2Model {
  if (model instanceof GPT2Model) return model;
  const children = model.namedChildren();
  const t = children.find(([n]) => n === 'transformer')?.[1];
  if (t instanceof GPT2Model) return t;
  throw new Error(
    `PeftModel: expected a GPT2Model or a head model whose "transformer" child is one (got ${model.constructor.name} with children ${children.map(([n]) => n).join(', ') || 'none'})`,
  );
}

/**
 * The task type HF PEFT would use for `model`: `SEQ_CLS` for a head model with a `score` module
 * (GPT2ForSequenceClassification), `TOKEN_CLS` for one with `classifier`
 * (GPT2ForTokenClassification), otherwise none.
 */
export function classificationTaskType(model: Module): 'SEQ_CLS' | 'TOKEN_CLS' | undefined {
  if (model instanceof GPT2Model) return undefined;
  const names = new Set(model.namedChildren().map(([n]) => n));
  if (names.has('score')) return 'SEQ_CLS';
  if (names.has('classifier')) return 'TOKEN_CLS';
  return undefined;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A GPT-2 model with PEFT adapters attached, like HF PEFT's `PeftModel`. `model` is what was given
 * to {@link getPeftModel}: the backbone, or a head model (`GPT2LMHeadModel`,
 * `GPT2ForSequenceClassification`, …) whose `transformer` is the backbone. The base parameters are
 * frozen; adapter parameters (and `modules_to_save`) train. Adapters change the model in place, so
 * the head's own `forward` (and `generate`) run with the active adapter; prefix keys/values are put
 * in front by the backbone's `forward` while a prefix adapter is active.
 */
export class PeftModel<M extends Module = GPT2Model> {
  private readonly adapters = new Map<string, Entry>();
  private readonly saved = new ModulesToSaveStore();
  private active = 'default';
  private disabled = false;
  /** The backbone (`GPT2Model`) the adapters attach to. */
  readonly baseModel: GPT2Model;
  private uninstallForward: (() => void) | undefined;

  private constructor(
    /** The model given to {@link getPeftModel} / {@link fromPretrained}: a head model or the backbone. */
    readonly model: M,
  ) {
    this.baseModel = backboneOf(model);
    const owner = (this.baseModel as { [WRAPPED]?: unknown })[WRAPPED];
    if (owner) {
      throw new Error(
        'PeftModel: this model is already wrapped by a PeftModel; add adapters to that one (addAdapter / loadAdapter) or unload() it first',
      );
    }
  }

  /** Wraps `model` with a new adapter from `config` (see {@link getPeftModel}). */
  static create<M extends Module>(
    model: M,
    config: BasePeftConfig,
    options: PeftModelOptions = {},
  ): PeftModel<M> {
    const pm = new PeftModel(model);
    model.requiresGrad(false);
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
   * `model` (the backbone or a head model). Errors name the file and the tensor; a failed load
   * leaves the model as it was.
   */
  static async fromPretrained<M extends Module>(
    model: M,
    adapterDir: string,
    options: PeftFromPretrainedOptions = {},
  ): Promise<PeftModel<M>> {
    const pm = new PeftModel(model);
    model.requiresGrad(false);
    try {
      await pm.loadAdapter(adapterDir, options.adapterName ?? 'default', options);
    } catch (e) {
      pm.unload(); // the model as it was (no forward override left behind)
      throw e;
    }
    return pm;
  }

  /**
   * Makes the backbone's `forward` put the active prefix adapter's keys/values in front when the
   * caller gives no `pastKeyValues` (a first step, or a whole sequence), so every head and
   * `generate` run prefix-tuned. HF PEFT does the same by overriding the forward and
   * `prepare_inputs_for_generation` of the model it wraps. Removed by `unload()`.
   */
  private installForward(): void {
    if (this.uninstallForward) return;
    const bb = this.baseModel as GPT2Model & { forward: GPT2Model['forward']; [WRAPPED]?: PeftModel<Module> };
    bb[WRAPPED] = this as PeftModel<Module>;
    const hadOwn = Object.hasOwn(bb, 'forward');
    const previous = bb.forward;
    const inner = previous.bind(bb);
    bb.forward = (input: GPT2ModelInput): GPT2ModelOutput => {
      const e = this.disabled ? undefined : this.adapters.get(this.active);
      if (!e?.adapter.pastKeyValues || input.pastKeyValues) return inner(input);
      const src = input.inputIds ?? input.inputsEmbeds!;
      const batch = Array.isArray(src) ? src.length : (src as Tensor).shape[0]!;
      const past = e.adapter.pastKeyValues(batch);
      if (!past) return inner(input);
      try {
        return inner({ ...input, pastKeyValues: past });
      } finally {
        disposePast(past);
      }
    };
    this.uninstallForward = () => {
      if (hadOwn) bb.forward = previous;
      else delete (bb as { forward?: unknown }).forward;
      delete bb[WRAPPED];
      this.uninstallForward = undefined;
    };
  }

  /** Attaches another adapter (it becomes active only through {@link setAdapter}, unless it is the first). */
  addAdapter(name: string, config: BasePeftConfig, options: PeftModelOptions = {}): void {
    if (this.adapters.has(name)) throw new Error(`adapter "${name}" already exists`);
    const method = getPeftMethod(config.peft_type);
    const input: BasePeftConfig = { ...config };
    // HF PEFT's PeftModelForSequenceClassification / …TokenClassification: the classifier head
    // (`score` / `classifier`) trains and is saved with the adapter. Done by default here for a
    // classification head model; a task_type given explicitly decides otherwise.
    const detected = classificationTaskType(this.model);
    if (input.task_type == null && detected) input.task_type = detected;
    const classification = typeof input.task_type === 'string' && CLASSIFICATION_TASKS.has(input.task_type);
    const promptLearning = typeof input.num_virtual_tokens === 'number';
    const given = (input.modules_to_save as string[] | null | undefined) ?? [];
    if (classification && !promptLearning) {
      // PEFT writes the names into the config (prompt-learning configs have no such field).
      input.modules_to_save = [...given, ...CLASSIFIER_MODULE_NAMES.filter((n) => !given.includes(n))];
    }
    const parsed = parsePeftConfig(input, `adapter "${name}" config`);
    const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    const attached = method.attach(this.baseModel, parsed, {
      keyPrefix,
      seed: options.seed,
      adapterName: name,
    });
    let modulesToSave: Array<[string, Variable]>;
    try {
      const names = [
        ...new Set([
          ...((parsed.modules_to_save as string[] | null | undefined) ?? []),
          ...(classification ? CLASSIFIER_MODULE_NAMES : []),
        ]),
      ];
      const head = this.model !== (this.baseModel as Module);
      const rootPrefix =
        head && keyPrefix.endsWith('transformer.') ? keyPrefix.slice(0, -'transformer.'.length) : keyPrefix;
      modulesToSave = modulesToSaveParameters(
        head ? this.model : this.baseModel,
        names,
        classification ? CLASSIFIER_MODULE_NAMES : [],
        rootPrefix,
      );
    } catch (e) {
      attached.detach();
      throw e;
    }
    this.saved.add(
      name,
      modulesToSave.map(([, v]) => v),
    );
    const entry: Entry = { config: parsed, adapter: attached, modulesToSave };
    for (const [, v] of this.fullStateDict(entry)) v.trainable = !parsed.inference_mode;
    this.adapters.set(name, entry);
    if (this.adapters.size === 1) this.active = name;
    this.installForward();
    this.applyActive();
  }

  /** Loads an adapter folder under `name` (see {@link fromPretrained}). */
  async loadAdapter(
    adapterDir: string,
    name: string,
    options: PeftFromPretrainedOptions = {},
  ): Promise<void> {
    const configPath = join(adapterDir, ADAPTER_CONFIG_NAME);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (e) {
      throw new Error(`${configPath}: ${(e as Error).message}`);
    }
    const config = parsePeftConfig(json, configPath);
    const weightsPath = join(adapterDir, ADAPTER_WEIGHTS_NAME);
    const file = await SafetensorsFile.open(weightsPath);
    // As PEFT: a loaded adapter is built in inference layout (prefix tuning: the saved table).
    this.addAdapter(name, { ...config, inference_mode: true }, options);
    const entry = this.adapters.get(name)!;
    entry.config.inference_mode = config.inference_mode;
    try {
      this.saved.hold(name); // write into this adapter's own modules_to_save copy
      const sd = this.fullStateDict(entry);
      const want = new Set(sd.map(([k]) => k));
      const extra = file.names().filter((k) => !want.has(k));
      if (extra.length > 0) {
        throw new Error(
          `${weightsPath}: tensor "${extra[0]}" is not a parameter of this ${config.peft_type} adapter`,
        );
      }
      for (const [key, v] of sd) {
        if (!file.has(key)) throw new Error(`${weightsPath}: tensor "${key}" is missing`);
        const shape = file.info(key).shape;
        if (shape.join(',') !== v.shape.join(',')) {
          throw new Error(
            `${weightsPath}: tensor "${key}" has shape [${shape}] but the model needs [${v.shape}]`,
          );
        }
      }
      for (const [key, v] of sd) {
        const t = tf.tensor(file.getFloat32(key), v.shape, 'float32');
        v.assign(t);
        t.dispose();
        v.trainable = options.isTrainable ?? false;
      }
    } catch (e) {
      this.deleteAdapter(name);
      throw e;
    }
    this.applyActive();
  }

  /** The adapter's own tensors plus its `modules_to_save`, sorted by key. */
  private fullStateDict(e: Entry): Array<[string, Variable]> {
    const sd = e.adapter.stateDict();
    if (e.modulesToSave.length === 0) return sd;
    return [...sd, ...e.modulesToSave].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Makes `name` the active adapter; the others stay attached but have no effect. */
  setAdapter(name: string): void {
    if (!this.adapters.has(name)) {
      throw new Error(`no adapter "${name}" (adapters: ${[...this.adapters.keys()].join(', ')})`);
    }
    this.active = name;
    this.applyActive();
  }

  /** The active adapter's name. */
  get activeAdapter(): string {
    return this.active;
  }

  /** Adapter names → configs (PEFT's `peft_config`). */
  get peftConfig(): Record<string, BasePeftConfig> {
    return Object.fromEntries([...this.adapters].map(([k, e]) => [k, e.config]));
  }

  /**
   * Turns every adapter off (the base model alone: LoRA layers and bottleneck adapters pass
   * through, no prefix) until {@link enableAdapter}. `modules_to_save` get their original values until enabled again.
   */
  disableAdapter(): void {
    this.disabled = true;
    this.applyActive();
  }

  /** Undoes {@link disableAdapter}. */
  enableAdapter(): void {
    this.disabled = false;
    this.applyActive();
  }

  /** Whether {@link disableAdapter} is in effect. */
  get adapterDisabled(): boolean {
    return this.disabled;
  }

  private applyActive(): void {
    for (const [name, e] of this.adapters) e.adapter.setEnabled(!this.disabled && name === this.active);
    this.saved.hold(this.disabled || !this.adapters.has(this.active) ? null : this.active);
  }

  private entry(name = this.active): Entry {
    const e = this.adapters.get(name);
    if (!e) throw new Error(`no adapter "${name}"`);
    return e;
  }

  /** Removes an adapter and frees its tensors (its `modules_to_save` get their original values back). */
  deleteAdapter(name: string): void {
    const e = this.entry(name);
    e.adapter.detach();
    this.saved.remove(name);
    this.adapters.delete(name);
    if (this.active === name) this.active = this.adapters.keys().next().value ?? 'default';
    this.applyActive();
  }

  /**
   * The backbone's forward with the active adapter (prefix keys/values are added unless
   * `pastKeyValues` is given). For a head model call the head's own `forward` (`peft.model.forward`).
   */
  forward(input: GPT2ModelInput): GPT2ModelOutput {
    return this.baseModel.forward(input);
  }

  /**
   * Trainable parameters under their PEFT key names: the active adapter's (with its
   * `modules_to_save`) and any base parameter made trainable; other adapters' are left out.
   */
  namedTrainableParameters(): Array<[string, Variable]> {
    const out = new Map<Variable, string>();
    const active = this.fullStateDict(this.entry());
    // Other adapters' parameters live in the model tree too (wrapped layers): they do not train now.
    const others = new Set<Variable>();
    for (const [name, e] of this.adapters)
      if (name !== this.active) for (const [, v] of this.fullStateDict(e)) others.add(v);
    for (const [, v] of active) others.delete(v);
    for (const [name, p] of this.model.namedParameters()) if (p.trainable && !others.has(p)) out.set(p, name);
    for (const [key, v] of active) if (v.trainable) out.set(v, key);
    return [...out].map(([v, k]) => [k, v]);
  }

  /** Trainable variables (for an optimizer / `tf.variableGrads`). */
  trainableVariables(): Variable[] {
    return this.namedTrainableParameters().map(([, v]) => v);
  }

  /** `{ trainable, all }` parameter counts, as PEFT's `get_nb_trainable_parameters`. */
  getNbTrainableParameters(): { trainable: number; all: number } {
    const seen = new Set<Variable>();
    let all = 0;
    let trainable = 0;
    const add = (v: Variable) => {
      if (seen.has(v)) return;
      seen.add(v);
      all += v.size;
      if (v.trainable) trainable += v.size;
    };
    for (const p of this.model.parameters()) add(p);
    for (const e of this.adapters.values()) {
      for (const [, v] of this.fullStateDict(e)) add(v);
      // PEFT keeps each adapter's copy next to the original module: copies count in "all params".
      for (const [, v] of e.modulesToSave) all += v.size;
    }
    return { trainable, all };
  }

  /** PEFT's line: `trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364`. */
  trainableParametersLine(): string {
    const { trainable, all } = this.getNbTrainableParameters();
    return `trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`;
  }

  /** Prints {@link trainableParametersLine} (HF PEFT's `print_trainable_parameters`). */
  printTrainableParameters(): void {
    console.log(this.trainableParametersLine());
  }

  /** The adapter's tensors under PEFT's key names. */
  stateDict(name = this.active): Array<[string, Variable]> {
    return this.fullStateDict(this.entry(name));
  }

  /**
   * Writes each adapter as PEFT does: `adapter_config.json` (sorted keys, 2-space indent,
   * `inference_mode: true`) and `adapter_model.safetensors` (F32, metadata `format: pt`); the
   * `default` adapter in `dir`, others in `dir/<name>/`. Files are written atomically.
   */
  async savePretrained(dir: string, options: { selectedAdapters?: string[] } = {}): Promise<void> {
    for (const name of options.selectedAdapters ?? [...this.adapters.keys()]) {
      const e = this.entry(name);
      const { config, adapter } = e;
      const folder = name === 'default' ? dir : join(dir, name);
      const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
      const computed = adapter.savedStateDict?.();
      const own = computed ? [...computed, ...e.modulesToSave] : this.fullStateDict(e);
      this.saved.hold(name); // this adapter's modules_to_save values, even when it is not active
      try {
        for (const [key, v] of own) {
          tensors[key] = { dtype: 'F32', shape: [...v.shape], data: (v.dataSync() as Float32Array).slice() };
        }
      } finally {
        this.applyActive();
      }
      if (computed) tf.dispose(computed.map(([, t]) => t));
      const out = { ...config, inference_mode: true };
      const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      await writeSafetensors(join(folder, ADAPTER_WEIGHTS_NAME), tensors, { format: 'pt' });
      await writeFileAtomic(join(folder, ADAPTER_CONFIG_NAME), `${JSON.stringify(sorted, null, 2)}\n`);
    }
  }

  /** Merges the active adapter into the base weights (LoRA); throws for methods that cannot merge. */
  mergeAdapter(): void {
    const { adapter, config } = this.entry();
    if (!adapter.merge) throw new Error(`${config.peft_type} adapters cannot be merged`);
    adapter.merge();
  }

  /** Undoes {@link mergeAdapter}. */
  unmergeAdapter(): void {
    const { adapter, config } = this.entry();
    if (!adapter.unmerge) throw new Error(`${config.peft_type} adapters cannot be unmerged`);
    adapter.unmerge();
  }

  /**
   * Merges the active adapter, removes all adapters and returns the plain model given to
   * {@link getPeftModel} (head model or backbone). As in HF PEFT, the active adapter's trained
   * `modules_to_save` (e.g. the classifier head) stay in the returned model.
   */
  mergeAndUnload(): M {
    this.mergeAdapter();
    this.saved.remove(this.active, true);
    return this.unload();
  }

  /**
   * Removes all adapters without merging and returns the model given to {@link getPeftModel}, as
   * it was before (`modules_to_save` get their original values back).
   */
  unload(): M {
    for (const name of [...this.adapters.keys()]) this.deleteAdapter(name);
    this.uninstallForward?.();
    return this.model;
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
 * HF PEFT's `get_peft_model`: freezes `model` (a `GPT2Model`, or a head model with a `transformer`
 * backbone) and attaches a new adapter from `config`. For a classification head model
 * (`score` / `classifier`) the task type defaults to `SEQ_CLS` / `TOKEN_CLS` and the head trains
 * and is saved with the adapter (`modules_to_save`).
 */
export function getPeftModel<M extends Module>(
  model: M,
  config: BasePeftConfig,
  options: PeftModelOptions = {},
): PeftModel<M> {
  return PeftModel.create(model, config, options);
}
