import { type LoraConfig, loraConfig } from '@gptft/peft';
import type { OptionSpec } from './options.js';

/** LoRA flags shared by `sft` and `train`. */
export const PEFT_OPTIONS: OptionSpec[] = [
  {
    name: 'peft',
    type: ['lora', 'none'],
    description: 'lora: train a LoRA adapter (base frozen); none: full fine-tuning',
    default: 'lora',
  },
  { name: 'lora-r', type: 'int', description: 'LoRA rank', default: 8 },
  { name: 'lora-alpha', type: 'number', description: 'LoRA alpha (scaling alpha/r)', default: 16 },
  { name: 'lora-dropout', type: 'number', description: 'dropout on the LoRA input', default: 0.05 },
  {
    name: 'lora-target-modules',
    type: 'string',
    placeholder: 'name',
    variadic: true,
    description: 'modules to adapt: c_attn, c_proj, c_fc (default: c_attn)',
  },
  {
    name: 'modules-to-save',
    type: 'string',
    placeholder: 'name',
    variadic: true,
    description:
      'modules trained in full and saved with the adapter (PEFT modules_to_save), e.g. wte when the chat tokens are new to the model',
  },
];

/**
 * The LoRA config of the `--lora-*` flags for the model `modelPath` (written as
 * `base_model_name_or_path`). `taskType` absent: `getPeftModel` picks it from the head (a
 * classifier gets SEQ_CLS / TOKEN_CLS and its head in `modules_to_save`, as HF PEFT).
 */
export function loraConfigFrom(
  opts: Record<string, unknown>,
  modelPath: string,
  taskType?: string,
): { config: LoraConfig; what: string } {
  const targets = (opts.loraTargetModules as string[] | undefined) ?? ['c_attn'];
  const config = loraConfig({
    r: opts.loraR as number,
    lora_alpha: opts.loraAlpha as number,
    lora_dropout: opts.loraDropout as number,
    target_modules: targets,
    ...(opts.modulesToSave !== undefined && { modules_to_save: opts.modulesToSave as string[] }),
    fan_in_fan_out: true,
    base_model_name_or_path: modelPath,
    ...(taskType !== undefined && { task_type: taskType }),
  } as Parameters<typeof loraConfig>[0]);
  const saved = opts.modulesToSave as string[] | undefined;
  return {
    config,
    what: `LoRA r=${opts.loraR} on ${targets.join(', ')}${saved?.length ? ` (+ ${saved.join(', ')} trained in full)` : ''}`,
  };
}
