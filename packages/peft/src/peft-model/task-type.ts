/**
 * What PEFT needs to know about the wrapped model, read from what the model declares
 * (`@gptft/nn`'s `TaskModel`: `baseModelPrefix`, `headModuleNames`, `taskType`), never from its
 * child names.
 */
import { GPT2Model } from '@gptft/gpt2-model';
import { isTaskModel, type Module } from '@gptft/nn';
import { PEFT_KEY_ROOT } from '../tuners/base-tuner.js';

/** Names HF PEFT adds to `modules_to_save` for `SEQ_CLS` / `TOKEN_CLS` (its `classifier_module_names`). */
export const CLASSIFIER_MODULE_NAMES = ['classifier', 'score'] as const;
/** Task types whose head is trained and saved with the adapter by default (as HF PEFT does). */
export const CLASSIFICATION_TASKS: ReadonlySet<string> = new Set(['SEQ_CLS', 'TOKEN_CLS']);
/** Saved key prefix of a GPT-2 causal-LM adapter (PEFT wraps `GPT2LMHeadModel`: `transformer.`). */
export const DEFAULT_KEY_PREFIX = `${PEFT_KEY_ROOT}transformer.`;

/** The GPT-2 backbone of `model`: the model itself, or the backbone a task model declares. */
export function backboneOf(model: Module): GPT2Model {
  if (model instanceof GPT2Model) return model;
  if (isTaskModel(model)) {
    const b = model.getSubmodule(model.baseModelPrefix);
    if (b instanceof GPT2Model) return b;
  }
  throw new Error(
    `PeftModel: expected a GPT2Model or a task model (a @gptft/heads class, declaring baseModelPrefix) whose backbone is one (got ${model.constructor.name})`,
  );
}

/**
 * The task type HF PEFT would use for `model`: `SEQ_CLS` / `TOKEN_CLS` for a classification
 * head, otherwise none (a causal LM needs no task-specific wiring).
 */
export function classificationTaskType(model: Module): 'SEQ_CLS' | 'TOKEN_CLS' | undefined {
  if (!isTaskModel(model)) return undefined;
  return model.taskType === 'SEQ_CLS' || model.taskType === 'TOKEN_CLS' ? model.taskType : undefined;
}

/**
 * The head modules a classification adapter trains and saves by default: HF PEFT's names plus
 * those the model declares (`headModuleNames`).
 */
export function classifierModuleNames(model: Module): readonly string[] {
  const own = isTaskModel(model) ? model.headModuleNames : [];
  return [...new Set([...CLASSIFIER_MODULE_NAMES, ...own])];
}

/**
 * Saved key prefixes: `backbone` before backbone paths (default `base_model.model.transformer.`,
 * the layout of GPT2LMHeadModel even for a bare backbone), `root` before paths in the model given
 * to `getPeftModel` (`base_model.model.` for a task model).
 */
export function keyPrefixes(model: Module, keyPrefix?: string): { backbone: string; root: string } {
  if (!isTaskModel(model)) {
    const backbone = keyPrefix ?? DEFAULT_KEY_PREFIX;
    return { backbone, root: backbone };
  }
  const inner = `${model.baseModelPrefix}.`;
  const backbone = keyPrefix ?? PEFT_KEY_ROOT + inner;
  return { backbone, root: backbone.endsWith(inner) ? backbone.slice(0, -inner.length) : backbone };
}
