/**
 * Logits processors and warpers (transformers' `generation/logits_process.py`): each rewrites one
 * row of next-token scores [V]; `-Infinity` removes a token. They run in the order transformers
 * uses: repetition penalty (also for greedy), then temperature, top-k, top-p (sampling only).
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
  repetitionPenalty?: number;
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
}): LogitsProcessorList {
  const list: LogitsProcessor[] = [];
  if (o.repetitionPenalty !== undefined && o.repetitionPenalty !== 1)
    list.push(new RepetitionPenaltyLogitsProcessor(o.repetitionPenalty));
  if (o.doSample) {
    list.push(new TemperatureLogitsWarper(o.temperature ?? 1));
    if (o.topK !== undefined && o.topK > 0) list.push(new TopKLogitsWarper(o.topK));
    if (o.topP !== undefined && o.topP < 1) list.push(new TopPLogitsWarper(o.topP));
  }
  return new LogitsProcessorList(list);
}
