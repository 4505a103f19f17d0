/**
 * The plugin interface for a PEFT method. A method is a zod schema for its `adapter_config.json`
 * (discriminated by `peft_type`) plus an `attach` function that changes a model in place and
 * returns an {@link AttachedAdapter}. Two kinds, as in HF PEFT:
 *
 * - **tuners** (LoRA, IA³, AdaLoRA, bottleneck adapters) change modules of the model. Write one by
 *   extending `BaseTuner` (`./tuners/base-tuner.ts`): it walks the model, matches `target_modules`
 *   and keeps one set of weights per adapter name on each wrapped layer.
 * - **prompt learning** (prefix tuning) leaves the model alone and puts learned keys/values in front
 *   of every layer's attention: `attach` returns a {@link PromptLearningAdapter}.
 *
 * New methods live in their own packages (`@gptft/peft-<method>`) and call
 * {@link registerPeftMethod} when imported; {@link loadPeftMethod} finds them by name.
 */
import type { Tensor, Variable } from '@gptft/backend';
import type { GPT2Model, PastKeyValues } from '@gptft/gpt2-model';
import type { Module } from '@gptft/nn';
import { z } from 'zod';

/** Fields every PEFT adapter_config.json has (snake_case, as PEFT writes them). */
export interface BasePeftConfig {
  peft_type: string;
  task_type?: string | null | undefined;
  base_model_name_or_path?: string | null | undefined;
  inference_mode?: boolean | undefined;
  [key: string]: unknown;
}

/** The fields every PEFT config schema has besides `peft_type` (spread into a method's `z.looseObject`). */
export const peftConfigFields = {
  task_type: z.string().nullish(),
  base_model_name_or_path: z.string().nullish(),
  inference_mode: z.boolean().optional(),
};

/** What a method returns once one adapter (one adapter name) is attached to a model. */
export interface AttachedAdapter {
  /**
   * The adapter's parameters, keyed by PEFT's saved key names
   * (`base_model.model.transformer.h.0.attn.c_attn.lora_A.weight`, `prompt_embeddings`).
   * This is also the saved state dict: `savePretrained` writes exactly these tensors.
   */
  stateDict(): Array<[string, Variable]>;
  /**
   * What `savePretrained` writes, when it differs from {@link stateDict} (prefix tuning with
   * `prefix_projection` saves the projected table as `prompt_embeddings`; AdaLoRA drops pruned
   * ranks). The caller disposes the returned tensors.
   */
  savedStateDict?(): Array<[string, Tensor]> | undefined;
  /**
   * Adjusts the model to a saved adapter's tensor shapes before they are loaded (AdaLoRA's
   * `rank_pattern`); called by `loadAdapter` with the shapes in the file.
   */
  prepareLoad?(shapes: ReadonlyMap<string, readonly number[]>): void;
  /** Adds the adapter's update into the base weights (the adapter then has no effect of its own). */
  merge?(): void;
  /** Subtracts what {@link merge} added. */
  unmerge?(): void;
  /** Whether the adapter is merged. */
  readonly merged?: boolean;
  /** Switches the adapter's effect on/off without removing it. */
  setEnabled(enabled: boolean): void;
  /**
   * A term added to the model's loss while the adapter is active and trains (AdaLoRA's orthogonal
   * regularisation), as HF PEFT's tuner `forward` adds it; `undefined` for none.
   */
  lossTerm?(): Tensor | undefined;
  /**
   * Called after every optimizer step with that step's gradients by variable (AdaLoRA's importance
   * scores and rank budget, HF's `update_and_allocate(global_step)`). `step` counts from 0.
   */
  onOptimizerStep?(step: number, grads: ReadonlyMap<Variable, Tensor>): void;
  /** Removes the adapter from the model (restoring what it wrapped) and frees its tensors. */
  detach(): void;
}

/** An attached prompt-learning adapter: per-layer keys/values to put in front of the sequence. */
export interface PromptLearningAdapter extends AttachedAdapter {
  /** Keys/values [B, H, V, D] per layer for a batch of `batchSize`; the caller disposes them. */
  pastKeyValues(batchSize: number): PastKeyValues | undefined;
}

/** Options passed to `attach`. */
export interface AttachOptions {
  /** Prefix of saved keys before the backbone's parameter names: `base_model.model.transformer.`. */
  keyPrefix: string;
  /** Seed for the adapter's random initialisation. */
  seed?: number | undefined;
  /** The PEFT adapter name it is attached under (`default`, or the name given to `addAdapter`). */
  adapterName?: string | undefined;
  /** The model given to `getPeftModel` (a head model or the backbone itself). */
  model?: Module | undefined;
}

/** A tuner: changes modules of the model (the kind of LoRA, IA³, AdaLoRA, bottleneck adapters). */
export interface TunerMethod<C extends BasePeftConfig = BasePeftConfig> {
  readonly kind?: 'tuner';
  /** PEFT's `peft_type` (`LORA`, `IA3`, ...). */
  readonly peftType: string;
  /** Parses `adapter_config.json`; unknown keys must be kept (they are written back). */
  readonly configSchema: z.ZodType<C>;
  /** Changes `backbone` in place (wrapping sub-layers with `setSubmodule`). */
  attach(backbone: GPT2Model, config: C, options: AttachOptions): AttachedAdapter;
}

/** A prompt-learning method (prefix tuning): learned keys/values, the model left unchanged. */
export interface PromptLearningMethod<C extends BasePeftConfig = BasePeftConfig> {
  readonly kind: 'prompt-learning';
  readonly peftType: string;
  readonly configSchema: z.ZodType<C>;
  /** Builds the prompt encoder for `backbone` (filling model dimensions into `config`). */
  attach(backbone: GPT2Model, config: C, options: AttachOptions): PromptLearningAdapter;
}

/** A PEFT method of either kind. */
export type PeftMethod<C extends BasePeftConfig = BasePeftConfig> = TunerMethod<C> | PromptLearningMethod<C>;

/** Whether `method` is a prompt-learning method. */
export function isPromptLearning(method: PeftMethod): method is PromptLearningMethod {
  return method.kind === 'prompt-learning';
}

const registry = new Map<string, PeftMethod<BasePeftConfig>>();

/** Registers a method under its `peftType` (replacing any earlier one). */
export function registerPeftMethod<C extends BasePeftConfig>(method: PeftMethod<C>): void {
  registry.set(method.peftType, method as unknown as PeftMethod<BasePeftConfig>);
}

/** The method registered for `peftType`; the error lists the known ones. */
export function getPeftMethod(peftType: string): PeftMethod<BasePeftConfig> {
  const m = registry.get(peftType);
  if (!m) {
    throw new Error(
      `peft_type "${peftType}" is not registered (known: ${[...registry.keys()].join(', ')}); import the package that provides it (${methodPackage(peftType)})`,
    );
  }
  return m;
}

/** Registered `peft_type`s. */
export function peftMethods(): string[] {
  return [...registry.keys()];
}

/**
 * The package that provides a method by convention: `@gptft/peft-<peft_type in lower case, _ as ->`
 * (`IA3` → `@gptft/peft-ia3`, `ADALORA` → `@gptft/peft-adalora`).
 */
export function methodPackage(peftType: string): string {
  return `@gptft/peft-${peftType.toLowerCase().replace(/_/g, '-')}`;
}

/** Imports a module specifier from the caller's context (`(s) => import(s)`). */
export type MethodImporter = (specifier: string) => Promise<unknown>;

/**
 * The method for `peftType`, importing its package ({@link methodPackage}) first when it is not
 * registered yet — the package registers itself on import. Pass `importer = (s) => import(s)` from
 * the application so the package resolves from the application's dependencies.
 */
export async function loadPeftMethod(
  peftType: string,
  importer: MethodImporter = (s) => import(s),
): Promise<PeftMethod<BasePeftConfig>> {
  if (!registry.has(peftType)) {
    const pkg = methodPackage(peftType);
    try {
      await importer(pkg);
    } catch (e) {
      throw new Error(
        `peft_type "${peftType}" is not registered and its package ${pkg} could not be imported (${(e as Error).message}); install it or import the package that provides the method`,
      );
    }
  }
  return getPeftMethod(peftType);
}

/** Formats the first zod issue as `source: field.path: message`. */
export function zodIssue(source: string, error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/** Parses a config with its method's schema; errors name the source file and field. */
export function parsePeftConfig(json: unknown, source = 'adapter_config.json'): BasePeftConfig {
  if (
    typeof json !== 'object' ||
    json === null ||
    typeof (json as { peft_type?: unknown }).peft_type !== 'string'
  ) {
    throw new Error(`${source}: peft_type: required string field is missing`);
  }
  const method = getPeftMethod((json as { peft_type: string }).peft_type);
  const r = method.configSchema.safeParse(json);
  if (!r.success) throw new Error(zodIssue(source, r.error));
  return r.data;
}

/**
 * Parses `init` (with `peft_type` added) with a method's schema: what the config builders
 * (`loraConfig`, `ia3Config`, …) share. Errors read `<Name>: field: message`.
 */
export function buildConfig<C>(schema: z.ZodType<C>, peftType: string, name: string, init: object): C {
  const r = schema.safeParse({ peft_type: peftType, ...init });
  if (!r.success) throw new Error(zodIssue(name, r.error));
  return r.data;
}

export type { Tensor };
