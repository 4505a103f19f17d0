import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { GPT2LMHeadModel, resizeTokenEmbeddings } from '@gptft/heads';
import { PeftModel } from '@gptft/peft';
import { peftMethodImporter } from './peft-options.js';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { CliError } from './errors.js';
import type { OptionSpec } from './options.js';

const TOKENIZER_FILES = ['vocab.json', 'tokenizer.json'];

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `p` looks like a local path rather than a hub id (`gpt2`, `org/name`). */
export function looksLocal(p: string): boolean {
  // Hub ids are `name` or `org/name`; anything with more slashes, or a relative/absolute prefix, is a path.
  return (
    p.startsWith('.') || p.startsWith('/') || p.startsWith('~') || p.split('/').length > 2 || existsSync(p)
  );
}

/**
 * The tokenizer of a model folder or hub id. A local folder without tokenizer files gets GPT-2's
 * tokenizer when its vocabulary is GPT-2's size (50257), as a folder written by a bare
 * `savePretrained` of the model would need.
 */
export async function loadTokenizer(modelOrTokenizer: string, vocabSize?: number): Promise<GPT2Tokenizer> {
  if (modelOrTokenizer === 'gpt2-bpe') return GPT2Tokenizer.gpt2();
  if (isDir(modelOrTokenizer)) {
    if (TOKENIZER_FILES.some((f) => existsSync(join(modelOrTokenizer, f)))) {
      return GPT2Tokenizer.fromPretrained(modelOrTokenizer);
    }
    if (vocabSize === undefined || vocabSize === 50257) return GPT2Tokenizer.gpt2();
    throw new CliError(
      `${modelOrTokenizer} has no tokenizer (vocab.json + merges.txt) and its vocabulary (${vocabSize}) is not GPT-2's`,
      'pass --tokenizer DIR with the tokenizer the model was trained with',
    );
  }
  if (looksLocal(modelOrTokenizer))
    throw new CliError(`no such folder: ${modelOrTokenizer}`, 'check the path');
  return GPT2Tokenizer.fromPretrained(modelOrTokenizer);
}

/** A causal LM ready to run: the model (LoRA adapter applied when given), its tokenizer. */
export interface LoadedLM {
  model: GPT2LMHeadModel;
  tokenizer: GPT2Tokenizer;
  peft?: PeftModel<GPT2LMHeadModel>;
  dispose(): void;
}

/** The base model an adapter folder names (`base_model_name_or_path` of adapter_config.json). */
export function adapterBaseModel(adapterDir: string): string | undefined {
  try {
    const cfg = JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const base = cfg.base_model_name_or_path;
    return typeof base === 'string' && base !== '' ? base : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loads `--model` (folder or hub id) with its tokenizer and, with `--adapter`, a PEFT adapter
 * folder. `--model` may itself be an adapter folder: its base comes from adapter_config.json. The
 * tokenizer is `--tokenizer`, else the adapter folder's (chat fine-tunes save theirs, with the chat
 * template), else the model's. A tokenizer with more tokens than the model has embeddings (tokens
 * added for a chat template) resizes the embeddings first, as the fine-tune did.
 */
/**
 * Where a model and its optional PEFT adapter are: `modelPath` may itself be an adapter folder
 * (adapter_config.json, no config.json), whose base comes from adapter_config.json. Checks that
 * the folders exist and are what they claim to be.
 */
export function resolveModelAndAdapter(
  modelPath: string,
  adapter?: string,
): { modelPath: string; adapter?: string } {
  if (
    adapter === undefined &&
    isDir(modelPath) &&
    existsSync(join(modelPath, 'adapter_config.json')) &&
    !existsSync(join(modelPath, 'config.json'))
  ) {
    const base = adapterBaseModel(modelPath);
    if (!base) {
      throw new CliError(
        `${modelPath} is a PEFT adapter without base_model_name_or_path`,
        `pass --model <its base model> --adapter ${modelPath}`,
      );
    }
    adapter = modelPath;
    modelPath = base;
  }
  if (looksLocal(modelPath) && !isDir(modelPath)) {
    throw new CliError(
      `model folder not found: ${modelPath}`,
      'pass --model a checkpoint folder or a hub id such as gpt2',
    );
  }
  if (isDir(modelPath) && !existsSync(join(modelPath, 'config.json'))) {
    throw new CliError(`${modelPath}: no config.json`, 'is this a Hugging Face checkpoint folder?');
  }
  if (adapter !== undefined && !existsSync(join(adapter, 'adapter_config.json'))) {
    throw new CliError(
      `adapter folder has no adapter_config.json: ${adapter}`,
      'pass --adapter a folder written by `gptft sft` or `gptft train --peft lora`',
    );
  }
  return { modelPath, ...(adapter !== undefined && { adapter }) };
}

/** The folder the tokenizer comes from: `--tokenizer`, else an adapter folder that has one, else the model. */
export function tokenizerSource(modelPath: string, adapter?: string, tokenizer?: string): string {
  if (tokenizer !== undefined) return tokenizer;
  return adapter !== undefined && TOKENIZER_FILES.some((f) => existsSync(join(adapter, f)))
    ? adapter
    : modelPath;
}

/**
 * Loads `--model` (folder or hub id) with its tokenizer and, with `--adapter`, a PEFT adapter
 * folder. `--model` may itself be an adapter folder: its base comes from adapter_config.json. The
 * tokenizer is `--tokenizer`, else the adapter folder's (chat fine-tunes save theirs, with the chat
 * template), else the model's. A tokenizer with more tokens than the model has embeddings (tokens
 * added for a chat template) resizes the embeddings first, as the fine-tune did. The adapter wraps
 * the head model (`GPT2LMHeadModel`), as HF PEFT's `PeftModelForCausalLM`.
 */
export async function loadLanguageModel(
  path: string,
  options: { adapter?: string; tokenizer?: string; seed?: number } = {},
): Promise<LoadedLM> {
  const { modelPath, adapter } = resolveModelAndAdapter(path, options.adapter);
  // The seed of the model's dropout (and of new weights): the same seed gives the same run.
  const model = await GPT2LMHeadModel.fromPretrained(
    modelPath,
    options.seed !== undefined ? { seed: options.seed } : {},
  );
  try {
    const tokSource = tokenizerSource(modelPath, adapter, options.tokenizer);
    const tokenizer = await loadTokenizer(
      tokSource,
      tokSource === modelPath ? model.config.vocabSize : undefined,
    );
    if (tokenizer.vocabSize > model.config.vocabSize) {
      if (tokSource === modelPath) {
        throw new CliError(
          `the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocabSize} embeddings`,
          'the tokenizer does not belong to this model; pass --tokenizer',
        );
      }
      resizeTokenEmbeddings(model, tokenizer.vocabSize);
    }
    let peft: PeftModel<GPT2LMHeadModel> | undefined;
    if (adapter !== undefined)
      peft = await PeftModel.fromPretrained(model, adapter, { importMethod: peftMethodImporter });
    return {
      model,
      tokenizer,
      ...(peft && { peft }),
      dispose: () => {
        peft?.unload();
        model.dispose();
      },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** `--model`, `--adapter`, `--tokenizer` of the commands that run a trained model (generate, chat, eval). */
export const LOAD_MODEL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'model',
    type: 'string',
    placeholder: 'dir|id',
    description: 'model folder, hub id, or a PEFT adapter folder (its base from adapter_config.json)',
    default: 'gpt2',
  },
  { name: 'adapter', type: 'string', placeholder: 'dir', description: 'PEFT adapter folder to apply' },
  {
    name: 'tokenizer',
    type: 'string',
    placeholder: 'dir',
    description: 'tokenizer folder (default: the adapter’s, else the model’s)',
  },
];

/** The `--adapter` / `--tokenizer` values of {@link LOAD_MODEL_OPTIONS}, for the loaders. */
export function modelSources(opts: Record<string, unknown>): { adapter?: string; tokenizer?: string } {
  return {
    ...(opts.adapter !== undefined && { adapter: opts.adapter as string }),
    ...(opts.tokenizer !== undefined && { tokenizer: opts.tokenizer as string }),
  };
}
