/**
 * Logits processors and warpers (transformers' `generation/logits_process.py`): each rewrites one
 * row of next-token scores [V]; `-Infinity` removes a token. They run in the order transformers
 * uses: repetition penalty (also for greedy), then temperature, top-k, top-p (sampling only).
 * OpenAI's presence/frequency penalties and logit bias (for an OpenAI-compatible server) run
 * after the repetition penalty, before the warpers, as vLLM applies them.
 */

/** One step of score rewriting for one row; `ids` is the row so far (prompt + generated). */
export interface LogitsProcessor {
  process(ids: readonly number[], scores: Float32Array): Float32Array;
}

/** transformers' `RepetitionPenaltyLogitsProcessor`: divides positive / multiplies negative scores of seen ids. */
export class RepetitionPenaltyLogitsProcessor implements LogitsProcessor {
  constructor(readonly penalty: number) {
    if (!(penalty > 0)) throw new Error(`repetitionPenalty must be > 0 (got ${penalty})`);
  }
  process(ids: readonly number[], scores: Float32Array): Float32Array {
    for (const tok of new Set(ids)) {
      const s = scores[tok]!;
      scores[tok] = s < 0 ? s * this.penalty : s / this.penalty;
    }
    return scores;
  }
}

/**
 * OpenAI's `presence_penalty` / `frequency_penalty`: for every token j already *generated* (ids
 * after the first `promptLength`, the prompt does not count), `scores[j] -= count(j) ·
 * frequencyPenalty + presencePenalty`. Both in [-2, 2] in OpenAI's API.
 */
export class PresenceFrequencyPenaltyLogitsProcessor implements LogitsProcessor {
  constructor(
    readonly presencePenalty: number,
    readonly frequencyPenalty: number,
    readonly promptLength: number,
  ) {
    for (const [name, v] of [
      ['presencePenalty', presencePenalty],
      ['frequencyPenalty', frequencyPenalty],
    ] as const)
      if (!Number.isFinite(v)) throw new Error(`${name} must be a finite number (got ${v})`);
  }
  process(ids: readonly number[], scores: Float32Array): Float32Array {
    const counts = new Map<number, number>();
    for (let i = this.promptLength; i < ids.length; i++) counts.set(ids[i]!, (counts.get(ids[i]!) ?? 0) + 1);
    for (const [tok, c] of counts)
      scores[tok] = scores[tok]! - (c * this.frequencyPenalty + this.presencePenalty);
    return scores;
  }
}

/** OpenAI's `logit_bias` (transformers' `SequenceBiasLogitsProcessor` for single tokens): adds a bias to given ids. */
export class LogitBiasLogitsProcessor implements LogitsProcessor {
  constructor(readonly bias: Readonly<Record<number, number>>) {}
  process(_ids: readonly number[], scores: Float32Array): Float32Array {
    for (const [tok, b] of Object.entries(this.bias)) {
      const i = Number(tok);
      if (i >= 0 && i < scores.length) scores[i] = scores[i]! + b;
    }
    return scores;
  }
}

/** transformers' `TemperatureLogitsWarper`: scores / temperature. */
export class TemperatureLogitsWarper implements LogitsProcessor {
  constructor(readonly temperature: number) {
    if (!(temperature > 0)) throw new Error(`temperature must be > 0 (got ${temperature})`);
  }
  process(_ids: readonly number[], scores: Float32Array): Float32Array {
    if (this.temperature !== 1)
      for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / this.temperature;
    return scores;
  }
}

/** transformers' `TopKLogitsWarper`: keeps the k highest scores (ties with the k-th kept too). */
export class TopKLogitsWarper implements LogitsProcessor {
  constructor(readonly topK: number) {
    if (!Number.isInteger(topK) || topK < 1) throw new Error(`topK must be a positive integer (got ${topK})`);
  }
  process(_ids: readonly number[], scores: Float32Array): Float32Array {
    if (this.topK >= scores.length) return scores;
    const sorted = scores.slice().sort(); // ascending, native numeric sort
    const kth = sorted[sorted.length - this.topK]!;
    for (let i = 0; i < scores.length; i++) if (scores[i]! < kth) scores[i] = Number.NEGATIVE_INFINITY;
    return scores;
  }
}

/**
 * transformers' `TopPLogitsWarper` (nucleus): keeps the most likely tokens whose cumulative
 * probability reaches `topP` (at least one).
 */
export class TopPLogitsWarper implements LogitsProcessor {
  constructor(readonly topP: number) {
    if (!(topP > 0 && topP <= 1)) throw new Error(`topP must be in (0, 1] (got ${topP})`);
  }
  process(_ids: readonly number[], scores: Float32Array): Float32Array {
    if (this.topP >= 1) return scores;
    const sorted = scores.slice().sort().reverse(); // descending
    const max = sorted[0]!;
    let z = 0;
    for (const s of sorted) z += Math.exp(s - max);
    let cum = 0;
    let threshold = max;
    for (const s of sorted) {
      threshold = s;
      cum += Math.exp(s - max) / z;
      if (cum >= this.topP) break;
    }
    for (let i = 0; i < scores.length; i++) if (scores[i]! < threshold) scores[i] = Number.NEGATIVE_INFINITY;
    return scores;
  }
}

/** Applies processors in order (transformers' `LogitsProcessorList`). */
export class LogitsProcessorList implements LogitsProcessor {
  constructor(readonly processors: LogitsProcessor[] = []) {}
  process(ids: readonly number[], scores: Float32Array): Float32Array {
    let s = scores;
    for (const p of this.processors) s = p.process(ids, s);
    return s;
  }
}

/** The processors `generate` builds from its options, in transformers' order. */
export function buildLogitsProcessors(o: {
  repetitionPenalty?: number | undefined;
  presencePenalty?: number | undefined;
  frequencyPenalty?: number | undefined;
  /** Prompt width of the rows (generated ids start there), for the presence/frequency penalties. */
  promptLength?: number | undefined;
  logitBias?: Readonly<Record<number, number>> | undefined;
  doSample?: boolean | undefined;
  temperature?: number | undefined;
  topK?: number | undefined;
  topP?: number | undefined;
}): LogitsProcessorList {
  const list: LogitsProcessor[] = [];
  if (o.repetitionPenalty !== undefined && o.repetitionPenalty !== 1)
    list.push(new RepetitionPenaltyLogitsProcessor(o.repetitionPenalty));
  if ((o.presencePenalty ?? 0) !== 0 || (o.frequencyPenalty ?? 0) !== 0)
    list.push(
      new PresenceFrequencyPenaltyLogitsProcessor(
        o.presencePenalty ?? 0,
        o.frequencyPenalty ?? 0,
        o.promptLength ?? 0,
      ),
    );
  if (o.logitBias && Object.keys(o.logitBias).length > 0)
    list.push(new LogitBiasLogitsProcessor(o.logitBias));
  if (o.doSample) {
    list.push(new TemperatureLogitsWarper(o.temperature ?? 1));
    if (o.topK !== undefined && o.topK > 0) list.push(new TopKLogitsWarper(o.topK));
    if (o.topP !== undefined && o.topP < 1) list.push(new TopPLogitsWarper(o.topP));
  }
  return new LogitsProcessorList(list);
}
