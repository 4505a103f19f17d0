/**
 * `--peft <method>` and every method's options for `gptft train` and `gptft sft`: the config of
 * the chosen method, the `PeftModel` built from it (method packages `@gptft/peft-<method>` found
 * as plugins through `@gptft/peft`'s registry). The `PeftModel` itself carries the method's
 * training hooks (its loss term and `onOptimizerStep`).
 */
import type { Module } from '@gptft/gpt2-model';
import {
  type BasePeftConfig,
  getPeftModel,
  houlsbyConfig,
  loadPeftMethod,
  type LoraConfig,
  loraConfig,
  type PeftModel,
  pfeifferConfig,
  prefixTuningConfig,
} from '@gptft/peft';
import { CliError } from './errors.js';
import type { OptionSpec } from './options.js';

/** `--peft` methods and their PEFT `peft_type`s. */
export const PEFT_TYPES = {
  lora: 'LORA',
  prefix: 'PREFIX_TUNING',
  adapter: 'BOTTLENECK',
  ia3: 'IA3',
  adalora: 'ADALORA',
} as const;
export type PeftMethodName = keyof typeof PEFT_TYPES;

const variadic = (name: string, description: string): OptionSpec => ({
  name,
  type: 'string',
  placeholder: 'name',
  variadic: true,
  description,
});

/** `--peft` and the options of every method, shared by `sft` and `train`. */
export const PEFT_OPTIONS: OptionSpec[] = [
  {
    name: 'peft',
    type: [...Object.keys(PEFT_TYPES), 'none'],
    description:
      'PEFT method (base frozen): lora, prefix (prefix tuning), adapter (bottleneck adapters), ia3, adalora; none: full fine-tuning',
    default: 'lora',
  },
  { name: 'lora-r', type: 'int', description: 'LoRA rank', default: 8, range: { min: 1 } },
  {
    name: 'lora-alpha',
    type: 'number',
    description: 'LoRA / AdaLoRA alpha (LoRA scaling alpha/r)',
    default: 16,
    range: { min: 0, minExclusive: true },
  },
  {
    name: 'lora-dropout',
    type: 'number',
    description: 'LoRA / AdaLoRA dropout on the input',
    default: 0.05,
    range: { min: 0, max: 1, maxExclusive: true },
  },
  variadic('lora-target-modules', 'LoRA / AdaLoRA modules to adapt: c_attn, c_proj, c_fc (default: c_attn)'),
  {
    name: 'prefix-num-virtual-tokens',
    type: 'int',
    description: 'prefix tuning: virtual tokens',
    default: 20,
    range: { min: 1 },
  },
  {
    name: 'prefix-projection',
    type: 'boolean',
    description: 'prefix tuning: train the prefix through an MLP (saved as the projected table)',
  },
  {
    name: 'adapter-config',
    type: ['houlsby', 'pfeiffer'],
    description:
      'bottleneck adapters: houlsby (after attention and MLP, swish) or pfeiffer (after the MLP, relu)',
    default: 'houlsby',
  },
  {
    name: 'adapter-reduction-factor',
    type: 'number',
    description: 'bottleneck adapters: hidden size / bottleneck size',
    default: 16,
    range: { min: 0, minExclusive: true },
  },
  variadic('ia3-target-modules', 'IA³ modules to adapt (default: c_attn, mlp.c_proj)'),
  variadic('ia3-feedforward-modules', 'IA³ targets whose input is scaled (default: mlp.c_proj)'),
  {
    name: 'adalora-init-r',
    type: 'int',
    description: 'AdaLoRA initial rank of each matrix',
    default: 12,
    range: { min: 1 },
  },
  {
    name: 'adalora-target-r',
    type: 'int',
    description: 'AdaLoRA target average rank',
    default: 8,
    range: { min: 1 },
  },
  {
    name: 'adalora-tinit',
    type: 'int',
    description: 'AdaLoRA steps before ranks are cut',
    default: 0,
    range: { min: 0 },
  },
  {
    name: 'adalora-tfinal',
    type: 'int',
    description: 'AdaLoRA steps after the last cut',
    default: 0,
    range: { min: 0 },
  },
  {
    name: 'adalora-delta-t',
    type: 'int',
    description: 'AdaLoRA steps between budget allocations',
    default: 1,
    range: { min: 1 },
  },
  {
    name: 'adalora-orth-reg-weight',
    type: 'number',
    description: 'AdaLoRA orthogonal regularisation weight',
    default: 0.5,
    range: { min: 0 },
  },
  {
    name: 'adalora-total-step',
    type: 'int',
    description: 'AdaLoRA total steps of the budget schedule (default: the run’s optimizer steps)',
    range: { min: 1 },
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

/** Where the run's PEFT config comes from besides the flags. */
export interface PeftRun {
  /** The model folder or hub id (`base_model_name_or_path`). */
  modelPath: string;
  /** PEFT `task_type`; absent: from the head. */
  taskType?: string;
  /** Optimizer steps of the run (AdaLoRA's `total_step` default). */
  totalSteps: number;
}

/** Imports a method package from the CLI's own dependencies. */
const importMethod = (specifier: string) => import(specifier);

/**
 * The config of `--peft <method>` from its flags (`undefined` for `none`), with a phrase for the
 * report. Method packages (`@gptft/peft-ia3`, `@gptft/peft-adalora`) are imported on demand.
 */
export async function peftConfigFrom(
  opts: Record<string, unknown>,
  run: PeftRun,
): Promise<{ config: BasePeftConfig; what: string } | undefined> {
  const method = opts.peft as PeftMethodName | 'none' | undefined;
  if (method === undefined || method === 'none') return undefined;
  const peftType = PEFT_TYPES[method];
  if (!peftType)
    throw new CliError(
      `--peft ${method}: unknown method`,
      `one of ${Object.keys(PEFT_TYPES).join(', ')}, none`,
    );
  const common = {
    base_model_name_or_path: run.modelPath,
    ...(run.taskType !== undefined && { task_type: run.taskType }),
  };
  const schema = (await loadPeftMethod(peftType, importMethod)).configSchema;
  const parse = (fields: Record<string, unknown>): BasePeftConfig => {
    const r = schema.safeParse({ peft_type: peftType, ...common, ...fields });
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new CliError(
        `--peft ${method}: ${issue.path.join('.')}: ${issue.message}`,
        'see gptft train --help',
      );
    }
    return r.data;
  };
  switch (method) {
    case 'lora':
      return loraConfigFrom(opts, run.modelPath, run.taskType);
    case 'prefix': {
      const n = opts.prefixNumVirtualTokens as number;
      return {
        config: prefixTuningConfig({
          num_virtual_tokens: n,
          prefix_projection: opts.prefixProjection === true,
          ...common,
        }),
        what: `prefix tuning, ${n} virtual tokens${opts.prefixProjection === true ? ' (projected)' : ''}`,
      };
    }
    case 'adapter': {
      const kind = opts.adapterConfig as 'houlsby' | 'pfeiffer';
      const rf = opts.adapterReductionFactor as number;
      const make = kind === 'pfeiffer' ? pfeifferConfig : houlsbyConfig;
      return {
        config: make({ reduction_factor: rf, ...common }),
        what: `${kind} bottleneck adapters, reduction ${rf}`,
      };
    }
    case 'ia3': {
      const targets = opts.ia3TargetModules as string[] | undefined;
      const ff = opts.ia3FeedforwardModules as string[] | undefined;
      const config = parse({
        ...(targets && { target_modules: targets }),
        ...(ff && { feedforward_modules: ff }),
      });
      return { config, what: `IA³ on ${(targets ?? ['c_attn', 'mlp.c_proj']).join(', ')}` };
    }
    case 'adalora': {
      const targets = (opts.loraTargetModules as string[] | undefined) ?? ['c_attn'];
      const config = parse({
        init_r: opts.adaloraInitR,
        target_r: opts.adaloraTargetR,
        tinit: opts.adaloraTinit,
        tfinal: opts.adaloraTfinal,
        deltaT: opts.adaloraDeltaT,
        orth_reg_weight: opts.adaloraOrthRegWeight,
        total_step: (opts.adaloraTotalStep as number | undefined) ?? run.totalSteps,
        lora_alpha: opts.loraAlpha,
        lora_dropout: opts.loraDropout,
        target_modules: targets,
      });
      return {
        config,
        what: `AdaLoRA r ${opts.adaloraInitR}→${opts.adaloraTargetR} on ${targets.join(', ')}`,
      };
    }
  }
}

/** `--peft <method>` on `model`: the PeftModel (base frozen) and what it is, or `undefined` for `none`. */
export async function peftModelFrom<M extends Module>(
  opts: Record<string, unknown>,
  model: M,
  run: PeftRun & { seed: number },
): Promise<{ peft: PeftModel<M>; what: string } | undefined> {
  const c = await peftConfigFrom(opts, run);
  if (!c) return undefined;
  return { peft: getPeftModel(model, c.config, { seed: run.seed }), what: c.what };
}

/** Loads an adapter folder of any method onto `model` (its package imported as a plugin). */
export { importMethod as peftMethodImporter };

/** Optimizer steps of a run (HF: `max_steps`, else ⌈batches / accumulation⌉ · epochs). */
export function optimizerSteps(
  args: { maxSteps?: number; numTrainEpochs?: number; gradientAccumulationSteps?: number },
  batches: number,
): number {
  if (args.maxSteps !== undefined && args.maxSteps > 0) return args.maxSteps;
  const perEpoch = Math.ceil(batches / (args.gradientAccumulationSteps ?? 1));
  return Math.max(1, Math.ceil(perEpoch * (args.numTrainEpochs ?? 3)));
}
