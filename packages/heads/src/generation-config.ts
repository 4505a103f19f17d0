import { type Folder, toFolder } from '@gptft/hub';
import type { GenerateOptions } from './generate.js';

const KEYS: Record<string, keyof GenerateOptions> = {
  max_new_tokens: 'maxNewTokens',
  eos_token_id: 'eosTokenId',
  pad_token_id: 'padTokenId',
  do_sample: 'doSample',
  temperature: 'temperature',
  top_k: 'topK',
  top_p: 'topP',
  repetition_penalty: 'repetitionPenalty',
  use_cache: 'useCache',
  num_beams: 'numBeams',
  num_return_sequences: 'numReturnSequences',
  length_penalty: 'lengthPenalty',
  early_stopping: 'earlyStopping',
};

/**
 * `generation_config.json` of a folder as {@link GenerateOptions} defaults (the keys `generate`
 * understands; others ignored). `{}` when the file is absent; a clear error when it is not JSON
 * or a field has the wrong type.
 */
export async function readGenerationConfig(folder: string | Folder): Promise<GenerateOptions> {
  const source = toFolder(folder);
  const path = source.pathOf('generation_config.json');
  let text: string;
  try {
    text = await source.readText('generation_config.json');
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${path}: not a JSON object`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    const name = KEYS[k];
    if (name === undefined || v === null) continue;
    const ok =
      name === 'doSample' || name === 'useCache'
        ? typeof v === 'boolean'
        : name === 'earlyStopping'
          ? typeof v === 'boolean' || v === 'never'
          : name === 'eosTokenId'
            ? typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'))
            : typeof v === 'number';
    if (!ok) throw new Error(`${path}: field "${k}" has an invalid value ${JSON.stringify(v)}`);
    out[name] = v;
  }
  return out as GenerateOptions;
}
