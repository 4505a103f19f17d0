/**
 * The plugin interface for a PEFT method. A method is a zod schema for its `adapter_config.json`
 * (discriminated by `peft_type`) plus an `attach` function that changes a model in place and
 * returns an {@link AttachedAdapter}: which parameters train, the state dict under PEFT's key
 * names, optional merge/unmerge, and how to undo the attachment. New methods live in their own
 * packages and call {@link registerPeftMethod}; nothing in this package needs to change.
 */
import type { Tensor, Variable } from '@gptft/backend';
import type { GPT2Model, PastKeyValues } from '@gptft/gpt2-model';
import type { z } from 'zod';

/** Fields every PEFT adapter_config.json has (snake_case, as PEFT writes them). */
export interface BasePeftConfig {
  peft_type: string;
  task_type?: string | null | undefined;
  base_model_name_or_path?: string | null | undefined;
  inference_mode?: boolean | undefined;
  [key: string]: unknown;
}

/** What a method returns once attached to a model. */
export interface AttachedAdapter {
  /**
   * The adapter's trainable parameters, keyed by PEFT's saved key names
   * (`base_model.model.transformer.h.0.attn.c_attn.lora_A.weight`, `prompt_embeddings`).
   * This is also the saved state dict: `savePretrained` writes exactly these tensors.
   */
  stateDict(): Array<[string, Variable]>;
  /**
   * What `savePretrained` writes, when it differs from {@link stateDict} (prefix tuning with
   * `prefix_projection` saves the projected table as `prompt_embeddings`, as PEFT does). The
   * caller disposes the returned tensors.
   */
  savedStateDict?(): Array<[string, Tensor]>;
  /** Prefix keys/values to put in front of the sequence in every layer (prefix tuning). */
  pastKeyValues?(batchSize: number): PastKeyValues | undefined;
  /** Adds the adapter's update into the base weights (the adapter then has no effect of its own). */
  merge?(): void;
  /** Subtracts what {@link merge} added. */
  unmerge?(): void;
  /** Whether the adapter is merged. */
  readonly merged?: boolean;
  /** Switches the adapter's effect on/off without removing it (LoRA layers skip their update). */
  setEnabled(enabled: boolean): void;
  /** Removes the adapter from the model (restoring the wrapped layers) and frees its tensors. */
  detach(): void;
}

/** A PEFT method: its config schema and how it attaches to a model. */
export interface PeftMethod<C extends BasePeftConfig = BasePeftConfig> {
  /** PEFT's `peft_type` (`LORA`, `PREFIX_TUNING`, `IA3`, ...). */
  readonly peftType: string;
  /** Parses `adapter_config.json`; unknown keys must be kept (they are written back). */
  readonly configSchema: z.ZodType<C>;
  /** Changes `model` in place (wrapping sub-layers with `setSubmodule`, or creating prefix tensors). */
  attach(model: GPT2Model, config: C, options: AttachOptions): AttachedAdapter;
}

/** Options passed to {@link PeftMethod.attach}. */
export interface AttachOptions {
  /** Prefix of saved keys before the backbone's parameter names: `base_model.model.transformer.`. */
  keyPrefix: string;
  /** Seed for the adapter's random initialisation. */
  seed?: number | undefined;
  /** The PEFT adapter name it is attached under (`default`, or the name given to `addAdapter`). */
  adapterName?: string | undefined;
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
      `peft_type "${peftType}" is not registered (known: ${[...registry.keys()].join(', ')}); import the package that provides it`,
    );
  }
  return m;
}

/** Registered `peft_type`s. */
export function peftMethods(): string[] {
  return [...registry.keys()];
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
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

export type { Tensor };
