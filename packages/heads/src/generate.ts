import { tf } from '@gptft/backend';
import { disposePast, type PastKeyValues } from '@gptft/gpt2-model';
import type { GPT2LMHeadModel } from './lm-head.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Tokens to add to each prompt (default 20). */
  maxNewTokens?: number;
  /** Stop a row once it produced one of these ids (default: the config's `eos_token_id`; `null`: never). */
  eosTokenId?: number | number[] | null;
  /** Id written after a row finished (default: the config's `pad_token_id`, else the first eos id). */
  padTokenId?: number;
  /** Sample instead of greedy argmax (default false). */
  doSample?: boolean;
  /** Divides the logits before sampling (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens when sampling (0 or absent: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p when sampling (default 1). */
  topP?: number;
  /** Seed of the sampling RNG (reproducible sampling). */
  seed?: number;
  /** Reuse keys/values of earlier positions (default true); false re-runs the whole sequence each step. */
  useCache?: boolean;
  /** [B, T] mask of the prompts (1 = token, 0 = left padding); rows keep the positions of unpadded ones. */
  attentionMask?: number[][];
  /** transformers' `repetition_penalty` (> 1 discourages ids already in the row; default 1). */
  repetitionPenalty?: number;
}

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** One sampled id from a row of logits with temperature, top-k and top-p (HF's warper order). */
export function sampleToken(
  row: Float32Array,
  rand: () => number,
  opts: { temperature?: number; topK?: number; topP?: number },
): number {
  const temperature = opts.temperature ?? 1;
  if (!(temperature > 0)) throw new Error(`temperature must be > 0 (got ${temperature})`);
  const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!);
  let keep = order.length;
  if (opts.topK && opts.topK > 0) keep = Math.min(keep, opts.topK);
  const max = row[order[0]!]! / temperature;
  const probs = new Float64Array(keep);
  let z = 0;
  for (let i = 0; i < keep; i++) {
    probs[i] = Math.exp(row[order[i]!]! / temperature - max);
    z += probs[i]!;
  }
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    let cum = 0;
    for (let i = 0; i < keep; i++) {
      cum += probs[i]! / z;
      if (cum >= topP) {
        keep = i + 1;
        break;
      }
    }
    z = 0;
    for (let i = 0; i < keep; i++) z += probs[i]!;
  }
  let r = rand() * z;
  for (let i = 0; i < keep; i++) {
    r -= probs[i]!;
    if (r <= 0) return order[i]!;
  }
  return order[keep - 1]!;
}

/**
 * Options given here override `model.generationConfig` (from `generation_config.json`).
 *
 * Autoregressive decoding with the KV cache (transformers' `generate` for equal-length prompts):
 * returns each prompt followed by its new tokens; rows that hit an eos id are filled with the pad id.
 */
export function generate(
  model: GPT2LMHeadModel,
  inputIds: number[][],
  callOptions: GenerateOptions = {},
): number[][] {
  const options: GenerateOptions = { ...model.generationConfig, ...callOptions };
  const maxNewTokens = options.maxNewTokens ?? 20;
  const t0 = inputIds[0]?.length ?? 0;
  if (inputIds.length === 0 || t0 === 0 || inputIds.some((r) => r.length !== t0)) {
    throw new Error('generate: inputIds must be a non-empty [B, T] array of equal-length rows');
  }
  const cfgEos = model.config.eosTokenId;
  const eosOpt = options.eosTokenId === undefined ? cfgEos : options.eosTokenId;
  const eos = new Set(
    eosOpt === null || eosOpt === undefined ? [] : Array.isArray(eosOpt) ? eosOpt : [eosOpt],
  );
  const cfgPad = model.config.padTokenId;
  const pad = options.padTokenId ?? (typeof cfgPad === 'number' ? cfgPad : ([...eos][0] ?? 0));
  const rand = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const seqs = inputIds.map((r) => [...r]);
  const done = seqs.map(() => false);
  const mask = options.attentionMask?.map((r) => [...r]);
  if (mask && (mask.length !== seqs.length || mask.some((r) => r.length !== t0))) {
    throw new Error(`generate: attentionMask must have the shape of inputIds [${seqs.length}, ${t0}]`);
  }
  const penalty = options.repetitionPenalty ?? 1;
  let past: PastKeyValues | undefined;
  let step: number[][] = inputIds;
  try {
    for (let n = 0; n < maxNewTokens && !done.every(Boolean); n++) {
      const cached = options.useCache ?? true;
      const out = cached
        ? model.forward({
            inputIds: step,
            pastKeyValues: past,
            useCache: true,
            ...(mask && { attentionMask: mask }),
          })
        : model.forward({ inputIds: seqs, ...(mask && { attentionMask: mask }) });
      disposePast(past);
      past = out.pastKeyValues;
      const t = out.logits.shape[1]!;
      const last = tf.tidy(() =>
        tf.reshape(tf.slice(out.logits, [0, t - 1, 0], [-1, 1, -1]), [seqs.length, -1]),
      );
      out.logits.dispose();
      const values = last.dataSync() as Float32Array;
      const v = last.shape[1]!;
      last.dispose();
      step = seqs.map((seq, i) => {
        let id: number;
        if (done[i]) id = pad;
        else {
          let row = values.subarray(i * v, (i + 1) * v);
          if (penalty !== 1) {
            row = row.slice();
            for (const tok of new Set(seq))
              row[tok] = row[tok]! < 0 ? row[tok]! * penalty : row[tok]! / penalty;
          }
          id = options.doSample ? sampleToken(row, rand, options) : argmax(row);
          if (eos.has(id)) done[i] = true;
        }
        seq.push(id);
        if (mask) mask[i]!.push(1);
        return [id];
      });
    }
  } finally {
    disposePast(past);
  }
  return seqs;
}
