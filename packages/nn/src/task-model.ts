import type { Module } from './module.js';

/** Hugging Face PEFT's `TaskType` names for what a task model does. */
export type TaskType = 'CAUSAL_LM' | 'SEQ_CLS' | 'TOKEN_CLS' | 'FEATURE_EXTRACTION';

/**
 * What a task model — a backbone plus a task head, as transformers' `GPT2LMHeadModel` or
 * `GPT2ForSequenceClassification` — declares about itself, so that code wrapping it (PEFT) reads
 * these fields instead of guessing from child names.
 */
export interface TaskModel {
  /**
   * transformers' `base_model_prefix`: the name of the child that holds the backbone
   * (`transformer` for GPT-2), so backbone parameters are `transformer.h.0.…`.
   */
  readonly baseModelPrefix: string;
  /**
   * The head's own modules by child name (`['score']`, `['classifier']`; none for a tied LM
   * head): what HF PEFT trains and saves with a classification adapter (`modules_to_save`).
   */
  readonly headModuleNames: readonly string[];
  /** The task, in PEFT's `task_type` names. */
  readonly taskType: TaskType;
}

/** Whether `model` declares {@link TaskModel} (checked on the declared `baseModelPrefix`). */
export function isTaskModel(model: Module): model is Module & TaskModel {
  const m = model as Partial<TaskModel>;
  return typeof m.baseModelPrefix === 'string' && Array.isArray(m.headModuleNames);
}

/** The backbone of a task model (its `baseModelPrefix` child), or the model itself. */
export function backboneOf<B extends Module = Module>(model: Module): B {
  return (isTaskModel(model) ? model.getSubmodule(model.baseModelPrefix) : model) as B;
}
