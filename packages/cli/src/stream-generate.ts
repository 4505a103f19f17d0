import { tf } from '@gptft/backend';
import { disposePast, type PastKeyValues } from '@gptft/gpt2-model';
import { type GPT2LMHeadModel, sampleToken } from '@gptft/heads';

/** Decoding settings (transformers' names in camelCase). */
export interface DecodeSettings {
  maxNewTokens: number;
  doSample: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
  /** Ids that end the reply (not included in the returned ids). */
  stopIds?: readonly number[];
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

/**
 * Generates one sequence token by token with the KV cache, calling `onToken` for each new id as
 * soon as it is chosen (streaming). The prompt is cut from the left to leave room for the reply in
 * the model's context. Returns the new ids (a stop id ends decoding and is not included) and
 * whether a stop id was produced.
 */
export function streamGenerate(
  model: GPT2LMHeadModel,
  promptIds: readonly number[],
  settings: DecodeSettings,
  onToken: (id: number) => void = () => {},
): { ids: number[]; stopped: boolean } {
  const ctxLen = model.config.nPositions;
  const room = Math.max(1, ctxLen - settings.maxNewTokens);
  const prompt = promptIds.length > room ? promptIds.slice(promptIds.length - room) : [...promptIds];
  if (prompt.length === 0) throw new Error('generate: the prompt is empty');
  const stop = new Set(settings.stopIds ?? []);
  const rand = mulberry32(settings.seed ?? Math.floor(Math.random() * 2 ** 32));
  const penalty = settings.repetitionPenalty ?? 1;
  const seen = new Set(prompt);
  const out: number[] = [];
  let past: PastKeyValues | undefined;
  let step = prompt;
  let stopped = false;
  try {
    while (out.length < settings.maxNewTokens && prompt.length + out.length < ctxLen) {
      const res = model.forward({ inputIds: [step], ...(past && { pastKeyValues: past }), useCache: true });
      disposePast(past);
      past = res.pastKeyValues;
      const t = res.logits.shape[1]!;
      const last = tf.tidy(() => tf.reshape(tf.slice(res.logits, [0, t - 1, 0], [1, 1, -1]), [-1]));
      res.logits.dispose();
      let row = last.dataSync() as Float32Array;
      last.dispose();
      if (penalty !== 1) {
        row = row.slice();
        for (const tok of seen) row[tok] = row[tok]! < 0 ? row[tok]! * penalty : row[tok]! / penalty;
      }
      let id = 0;
      if (settings.doSample) id = sampleToken(row, rand, settings);
      else for (let i = 1; i < row.length; i++) if (row[i]! > row[id]!) id = i;
      if (stop.has(id)) {
        stopped = true;
        break;
      }
      out.push(id);
      seen.add(id);
      onToken(id);
      step = [id];
    }
  } finally {
    disposePast(past);
  }
  return { ids: out, stopped };
}
