/**
 * Beam search as transformers does it (`BeamSearchScorer`, `BeamHypotheses` in
 * `generation/beam_search.py` and the `_beam_search` loop of `generation/utils.py`, the
 * scorer-based implementation with `decoder_prompt_len`), re-implemented step for step and checked
 * against a PyTorch re-implementation on the fixtures (`tooling/reference/beam_search.py`).
 */
import { disposePast, type PastKeyValues, selectPastRows } from '@gptft/gpt2-model';
import type { GPT2LMHeadModel } from '../lm-head.js';
import type { LogitsProcessor } from './logits-processors.js';

/** transformers' `early_stopping`: true, false (its heuristic) or `'never'` (canonical beam search). */
export type EarlyStopping = boolean | 'never';

/** One finished hypothesis. */
interface Hypothesis {
  score: number;
  /** Padded prompt + generated ids (an eos that ended it not included, as transformers stores it). */
  ids: number[];
  /** The eos id that ended it, if one did. */
  eos: number | undefined;
}

/** transformers' `BeamHypotheses`: the n best finished hypotheses of one prompt. */
export class BeamHypotheses {
  readonly beams: Hypothesis[] = [];
  private worstScore = 1e9;

  constructor(
    readonly numBeams: number,
    readonly lengthPenalty: number,
    readonly earlyStopping: EarlyStopping,
    readonly maxLength: number,
  ) {}

  get size(): number {
    return this.beams.length;
  }

  /** Adds a hypothesis scored sum_logprobs / generatedLen ** lengthPenalty, keeping the best numBeams. */
  add(ids: number[], sumLogprobs: number, generatedLen: number, eos: number | undefined): void {
    const score = sumLogprobs / generatedLen ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ score, ids, eos });
      if (this.beams.length > this.numBeams) {
        const sorted = this.beams
          .map((b, i) => [b.score, i] as const)
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(sorted[0]![1], 1);
        this.worstScore = sorted[1]![0];
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  /** Whether no open beam can beat the finished ones any more (transformers' `is_done`). */
  isDone(bestSumLogprobs: number, curLen: number, promptLen: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const len =
      this.earlyStopping === 'never' && this.lengthPenalty > 0
        ? this.maxLength - promptLen
        : curLen - promptLen;
    return this.worstScore >= bestSumLogprobs / len ** this.lengthPenalty;
  }
}

/** Options of {@link beamSearch} (resolved: no model defaults looked up here). */
export interface BeamSearchOptions {
  numBeams: number;
  maxNewTokens: number;
  eosTokenIds: readonly number[];
  padTokenId: number;
  /** Exponent of the generated length that divides a hypothesis' log-probability (default 1). */
  lengthPenalty?: number | undefined;
  earlyStopping?: EarlyStopping | undefined;
  /** Hypotheses returned per prompt (≤ numBeams; default 1). */
  numReturnSequences?: number | undefined;
  /** Score rewriting on the log-probabilities (transformers applies its processors there). */
  logitsProcessors?: readonly LogitsProcessor[] | undefined;
  attentionMask?: number[][] | undefined;
  signal?: AbortSignal | undefined;
}

/** What {@link beamSearch} returns. */
export interface BeamSearchResult {
  /**
   * B · numReturnSequences rows, as transformers returns them: padded prompt + generated ids, the
   * first eos id appended where it fits, pad-filled to the longest row.
   */
  sequences: number[][];
  /** Each row's length-penalised score (transformers' `sequences_scores`). */
  scores: number[];
  /** Each row's generated ids (an eos that ended it included, no padding). */
  newIds: number[][];
  /** Whether each row ended with an eos id. */
  endedByEos: boolean[];
}

/** log_softmax of one row, rounded to float32 as torch computes it. */
function logSoftmax(row: Float32Array): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of row) if (x > max) max = x;
  let z = 0;
  for (const x of row) z += Math.exp(x - max);
  const lse = max + Math.log(z);
  const out = new Float32Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i]! - lse;
  return out;
}

/** Indices of the k largest values of several rows taken together (flat index row·V + token), best first. */
function topK(rows: Float32Array[], k: number): Array<{ score: number; index: number }> {
  const best: Array<{ score: number; index: number }> = [];
  const v = rows[0]?.length ?? 0;
  rows.forEach((row, r) => {
    for (let t = 0; t < row.length; t++) {
      const s = row[t]!;
      if (best.length === k && !(s > best[k - 1]!.score)) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.score < s) at--;
      best.splice(at, 0, { score: s, index: r * v + t });
      if (best.length > k) best.pop();
    }
  });
  return best;
}

/**
 * Beam search over a batch of prompts (`inputIds` [B, T], left padding marked by
 * `attentionMask`), with the KV cache reordered each step (`selectPastRows`). Greedy scores only
 * (no sampling); `numBeams` ≥ 2.
 */
export function beamSearch(
  model: GPT2LMHeadModel,
  inputIds: number[][],
  o: BeamSearchOptions,
): BeamSearchResult {
  const nb = o.numBeams;
  const nrs = o.numReturnSequences ?? 1;
  if (!Number.isInteger(nb) || nb < 2)
    throw new Error(`numBeams must be an integer ≥ 2 for beam search (got ${nb})`);
  if (!Number.isInteger(nrs) || nrs < 1 || nrs > nb)
    throw new Error(`numReturnSequences (${nrs}) must be between 1 and numBeams (${nb})`);
  const lp = o.lengthPenalty ?? 1;
  const early = o.earlyStopping ?? false;
  const b = inputIds.length;
  const width = inputIds[0]!.length;
  const maxLength = width + o.maxNewTokens;
  const eos = new Set(o.eosTokenIds);
  const nKeep = Math.max(2, 1 + o.eosTokenIds.length) * nb;
  // transformers' _expand_inputs_for_generation: every prompt row repeated numBeams times
  const seqs = inputIds.flatMap((r) => Array.from({ length: nb }, () => [...r]));
  let mask = o.attentionMask?.flatMap((r) => Array.from({ length: nb }, () => [...r]));
  const beamScores = new Float32Array(b * nb);
  for (let i = 0; i < b; i++) for (let j = 1; j < nb; j++) beamScores[i * nb + j] = -1e9;
  const hyps = Array.from({ length: b }, () => new BeamHypotheses(nb, lp, early, maxLength));
  const done = new Array<boolean>(b).fill(false);
  let past: PastKeyValues | undefined;
  let pending: number[][] = seqs;
  try {
    for (;;) {
      o.signal?.throwIfAborted();
      const out = model.forward({
        inputIds: pending,
        pastKeyValues: past,
        useCache: true,
        logitsToKeep: 1,
        ...(mask && { attentionMask: mask }),
      });
      disposePast(past);
      past = out.pastKeyValues;
      const v = out.logits.shape[2]!;
      const values = out.logits.dataSync() as Float32Array;
      out.logits.dispose();
      const curLen = seqs[0]!.length + 1;
      const rowsNext: number[] = [];
      const tokensNext: number[] = [];
      for (let i = 0; i < b; i++) {
        if (done[i]) {
          for (let j = 0; j < nb; j++) {
            rowsNext.push(i * nb + j);
            tokensNext.push(o.padTokenId);
            beamScores[i * nb + j] = 0;
          }
          continue;
        }
        const rows: Float32Array[] = [];
        for (let j = 0; j < nb; j++) {
          const r = i * nb + j;
          let scores = logSoftmax(values.subarray(r * v, (r + 1) * v));
          for (const p of o.logitsProcessors ?? []) scores = p.process(seqs[r]!, scores);
          const add = beamScores[r]!;
          for (let t = 0; t < v; t++) scores[t] = scores[t]! + add; // float32, as torch
          rows.push(scores);
        }
        const top = topK(rows, nKeep);
        const kept: Array<{ score: number; token: number; beam: number }> = [];
        for (const [rank, c] of top.entries()) {
          const beam = Math.floor(c.index / v);
          const token = c.index % v;
          if (eos.has(token)) {
            if (rank >= nb) continue;
            hyps[i]!.add([...seqs[i * nb + beam]!], c.score, curLen - width, token);
          } else kept.push({ score: c.score, token, beam });
          if (kept.length === nb) break;
        }
        if (kept.length < nb) throw new Error(`beam search: more than ${nb} of the top tokens are eos ids`);
        done[i] = hyps[i]!.isDone(top[0]!.score, curLen, width);
        for (const [j, k] of kept.entries()) {
          rowsNext.push(i * nb + k.beam);
          tokensNext.push(k.token);
          beamScores[i * nb + j] = k.score;
        }
      }
      // reorder the beams (ids, mask, cache) and append the chosen tokens
      const reordered = rowsNext.map((r, j) => [...seqs[r]!, tokensNext[j]!]);
      seqs.splice(0, seqs.length, ...reordered);
      if (mask) mask = rowsNext.map((r) => [...mask![r]!, 1]);
      const moved = selectPastRows(past!, rowsNext);
      disposePast(past);
      past = moved;
      pending = tokensNext.map((t) => [t]);
      if (done.every(Boolean) || seqs[0]!.length >= maxLength) break;
    }
  } finally {
    disposePast(past);
  }
  // finalize: open beams of unfinished prompts become hypotheses, then the best nrs per prompt
  const best: Hypothesis[] = [];
  for (let i = 0; i < b; i++) {
    if (!done[i])
      for (let j = 0; j < nb; j++)
        hyps[i]!.add(seqs[i * nb + j]!, beamScores[i * nb + j]!, seqs[i * nb + j]!.length - width, undefined);
    const ranked = [...hyps[i]!.beams].sort((x, y) => x.score - y.score);
    for (let k = 0; k < nrs; k++) best.push(ranked.pop()!);
  }
  const longest = Math.max(...best.map((h) => h.ids.length));
  const sentMaxLen = Math.min(longest + 1, maxLength);
  const sequences = best.map((h) => {
    const row = [...h.ids];
    if (row.length < sentMaxLen && o.eosTokenIds.length > 0) row.push(o.eosTokenIds[0]!);
    while (row.length < sentMaxLen) row.push(o.padTokenId);
    return row;
  });
  return {
    sequences,
    scores: best.map((h) => h.score),
    newIds: best.map((h) => [...h.ids.slice(width), ...(h.eos !== undefined ? [h.eos] : [])]),
    endedByEos: best.map((h) => h.eos !== undefined),
  };
}
