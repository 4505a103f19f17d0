import type { GPT2LMHeadModel } from '@gptft/heads';
import type { OptionSpec } from './options.js';
import { SEED_RANGE } from './training-options.js';
import type { DecodeSettings } from './generate-reply.js';

/** Flags of the decoding commands (`generate`, `chat`); unset ones come from generation_config.json. */
export function decodeOptionSpecs(defaults: { maxNewTokens: number }): OptionSpec[] {
  return [
    {
      name: 'max-new-tokens',
      type: 'int',
      description: 'tokens to generate at most',
      default: defaults.maxNewTokens,
      range: { min: 1 },
    },
    { name: 'greedy', type: 'boolean', description: 'greedy decoding, whatever generation_config.json says' },
    {
      name: 'do-sample',
      type: 'boolean',
      description: 'sample (with --temperature, --top-k, --top-p) instead of greedy argmax',
    },
    {
      name: 'temperature',
      type: 'number',
      description: 'sampling temperature (default: generation_config.json, else 1)',
      range: { min: 0, minExclusive: true },
    },
    {
      name: 'top-k',
      type: 'int',
      description: 'sample among the k most likely tokens (0: all)',
      range: { min: 0 },
    },
    {
      name: 'top-p',
      type: 'number',
      description: 'nucleus sampling: smallest set with probability ≥ p',
      range: { min: 0, max: 1, minExclusive: true },
    },
    {
      name: 'repetition-penalty',
      type: 'number',
      description: 'transformers’ repetition_penalty (> 1 discourages repeats)',
      range: { min: 0, minExclusive: true },
    },
    {
      name: 'seed',
      type: 'int',
      description: 'seed of the sampler (reproducible sampling)',
      range: SEED_RANGE,
    },
  ];
}

/** Decoding settings from flags over the model's generation_config.json defaults. */
export function decodeSettings(opts: Record<string, unknown>, model: GPT2LMHeadModel): DecodeSettings {
  const g = model.generationConfig;
  const doSample = opts.greedy === true ? false : opts.doSample === true || (g.doSample ?? false);
  const s: DecodeSettings = { maxNewTokens: opts.maxNewTokens as number, doSample };
  const temperature = (opts.temperature as number | undefined) ?? g.temperature;
  const topK = (opts.topK as number | undefined) ?? g.topK;
  const topP = (opts.topP as number | undefined) ?? g.topP;
  const rp = (opts.repetitionPenalty as number | undefined) ?? g.repetitionPenalty;
  const seed = (opts.seed as number | undefined) ?? g.seed;
  if (temperature !== undefined) s.temperature = temperature;
  if (topK !== undefined) s.topK = topK;
  if (topP !== undefined) s.topP = topP;
  if (rp !== undefined) s.repetitionPenalty = rp;
  if (seed !== undefined) s.seed = seed;
  return s;
}
