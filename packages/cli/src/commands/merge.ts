import { Command } from 'commander';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import { loadLanguageModel } from '../model-io.js';
import { loadTrainedClassifier, taskOfModel } from '../tasks.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';

/** `gptft merge`: a LoRA adapter folded into its base model, saved as a plain checkpoint. */
export function mergeCommand(): Command {
  const cmd = new Command('merge')
    .summary('merge a LoRA adapter into its base model (plain checkpoint)')
    .description(
      'Load --model with the PEFT --adapter, fold the adapter into the weights (W ← W + B·A·alpha/r, PEFT’s merge_and_unload; a classifier adapter from gptft train --peft lora keeps its trained head and labels) and save a plain Hugging Face checkpoint (config.json, model.safetensors, tokenizer) into --output-dir, loadable without gptft or peft.',
    );
  addOptions(cmd, [
    { name: 'model', type: 'string', placeholder: 'dir|id', description: 'base model folder or hub id' },
    {
      name: 'adapter',
      type: 'string',
      placeholder: 'dir',
      description: 'PEFT adapter folder (adapter_config.json + adapter_model.safetensors)',
    },
    {
      name: 'output-dir',
      type: 'string',
      placeholder: 'dir',
      description: 'folder for the merged checkpoint',
    },
    {
      name: 'save-dtype',
      type: ['float32', 'float16', 'bfloat16'],
      description: 'dtype of the saved weights',
      default: 'float32',
    },
  ]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => merge(await resolveOptions(c)));
  return cmd;
}

export async function merge(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  for (const f of ['model', 'adapter', 'outputDir'] as const) {
    if (opts[f] === undefined)
      throw new CliError(`--${f === 'outputDir' ? 'output-dir' : f} is required`, 'see gptft merge --help');
  }
  await selectBackend(ctx, opts.backend as string);
  const adapter = opts.adapter as string;
  const task = taskOfModel(opts.model as string, adapter);
  // A classifier adapter (task_type SEQ_CLS / TOKEN_CLS) merges into the classifier, its trained
  // head and labels (label_map.json → config.json id2label) kept, as PEFT's merge_and_unload.
  const loaded =
    task === 'causal-lm'
      ? await loadLanguageModel(opts.model as string, { adapter })
      : await loadTrainedClassifier(task, opts.model as string, { adapter });
  try {
    loaded.peft!.mergeAndUnload();
    const out = opts.outputDir as string;
    await loaded.model.savePretrained(out, { dtype: opts.saveDtype as 'float32' });
    await loaded.tokenizer.savePretrained(out);
    ctx.result({ output_dir: out }, () => `merged ${adapter} into ${opts.model}: ${out}`);
  } finally {
    loaded.model.dispose();
  }
}
