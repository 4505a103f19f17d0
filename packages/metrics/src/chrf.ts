/**
 * chrF (Popović 2015) and chrF++ (Popović 2017) exactly as sacreBLEU 2.x computes them
 * (`sacrebleu.metrics.CHRF`, default `CHRF(char_order=6, word_order=0, beta=2, lowercase=False,
 * whitespace=False, eps_smoothing=False)`).
 */
import { MetricInputError } from './errors.js';
import { pySplit } from './python-compat.js';
import { formatScore, formatSignature, segmentsOf, yesNo } from './sacrebleu-common.js';

/** Options of {@link corpusChrf}; the defaults are sacreBLEU's `CHRF()`. */
export interface ChrfOptions {
  /** Character n-gram order. Default 6. */
  charOrder?: number;
  /** Word n-gram order. Default 0 (chrF); 2 is chrF++. */
  wordOrder?: number;
  /** Weight of recall relative to precision. Default 2. */
  beta?: number;
  /** Lowercase hypotheses and references first. Default false. */
  lowercase?: boolean;
  /** Keep whitespace in the character n-grams. Default false (sacreBLEU's `whitespace=False`). */
  whitespace?: boolean;
  /**
   * `true`: chrF++.py / NLTK / Moses epsilon smoothing (the F-scores of all orders are averaged,
   * orders with no n-grams count as ε). Default `false`: sacreBLEU's own effective-order averaging
   * of precision and recall over the orders that have n-grams on both sides.
   */
  epsSmoothing?: boolean;
}

/** A chrF result with sacreBLEU's fields. */
export interface ChrfScore {
  /** chrF on a 0–100 scale. */
  score: number;
  /** `chrF2`, `chrF2++` (one `+` per word order), … */
  name: string;
  charOrder: number;
  wordOrder: number;
  beta: number;
  /**
   * The corpus statistics: for each order (characters 1…charOrder, then words 1…wordOrder) the
   * hypothesis n-gram count, the reference n-gram count and the matches, flattened.
   */
  stats: number[];
  /** e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0`. */
  signature: string;
  /** sacreBLEU's `str(score)`: `chrF2 = 52.34`. */
  toString(): string;
}

// string.punctuation
const PUNCTS = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** `CHRF._remove_punctuation`: split on whitespace, then one leading or trailing punctuation off. */
function removePunctuation(sent: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sent)) {
    const chars = Array.from(w);
    if (chars.length === 1) out.push(w);
    else if (PUNCTS.has(chars[chars.length - 1]!))
      out.push(chars.slice(0, -1).join(''), chars[chars.length - 1]!);
    else if (PUNCTS.has(chars[0]!)) out.push(chars[0]!, chars.slice(1).join(''));
    else out.push(w);
  }
  return out;
}

function count(keys: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Counts of the n-grams of code points of `line`; `offsets[k]` is where code point k starts. */
function charNgramCounts(line: string, offsets: readonly number[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  const points = offsets.length - 1;
  for (let i = 0; i + n <= points; i++) {
    const g = line.slice(offsets[i], offsets[i + n]);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

function* wordNgrams(tokens: readonly string[], n: number): Generator<string> {
  for (let i = 0; i + n <= tokens.length; i++) yield tokens.slice(i, i + n).join(' ');
}

interface Resolved {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  whitespace: boolean;
  epsSmoothing: boolean;
}

function resolve(o: ChrfOptions): Resolved {
  const r = {
    charOrder: o.charOrder ?? 6,
    wordOrder: o.wordOrder ?? 0,
    beta: o.beta ?? 2,
    lowercase: o.lowercase ?? false,
    whitespace: o.whitespace ?? false,
    epsSmoothing: o.epsSmoothing ?? false,
  };
  for (const k of ['charOrder', 'wordOrder'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0)
      throw new MetricInputError(`${k} is ${r[k]}: must be an integer ≥ 0`);
  }
  if (r.charOrder + r.wordOrder === 0) throw new MetricInputError('charOrder + wordOrder must be at least 1');
  if (!Number.isFinite(r.beta) || r.beta < 0)
    throw new MetricInputError(`beta is ${r.beta}: must be a number ≥ 0`);
  return r;
}

/** `extract_all_char_ngrams` (+ word n-grams for chrF++): one counter per order. */
function ngramsOf(sent: string, o: Resolved): Map<string, number>[] {
  const line = o.whitespace ? sent : pySplit(sent).join('');
  // Python slices strings by code point: n-grams are n code points (a surrogate pair is one).
  const offsets: number[] = [];
  for (let i = 0; i < line.length; i++) {
    offsets.push(i);
    const c = line.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < line.length) {
      const d = line.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  offsets.push(line.length);
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= o.charOrder; n++) out.push(charNgramCounts(line, offsets, n));
  if (o.wordOrder > 0) {
    const words = removePunctuation(sent);
    for (let n = 1; n <= o.wordOrder; n++) out.push(count(wordNgrams(words, n)));
  }
  return out;
}

/** `CHRF._compute_f_score`: the F-beta score (0–100) from flattened [hyp, ref, match] statistics. */
export function chrfFromStats(stats: readonly number[], options: ChrfOptions = {}): number {
  return fScore(stats, resolve(options));
}

function fScore(stats: readonly number[], o: Resolved): number {
  const order = o.charOrder + o.wordOrder;
  const eps = 1e-16;
  const factor = o.beta ** 2;
  let score = 0;
  let effectiveOrder = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const nHyp = stats[3 * i]!;
    const nRef = stats[3 * i + 1]!;
    const nMatch = stats[3 * i + 2]!;
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder += 1;
    }
  }
  if (o.epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) {
    avgPrec = 0;
    avgRec = 0;
  } else {
    avgPrec /= effectiveOrder;
    avgRec /= effectiveOrder;
  }
  if (avgPrec + avgRec) {
    let s = (1 + factor) * avgPrec * avgRec;
    s /= factor * avgPrec + avgRec;
    return 100 * s;
  }
  return 0;
}

/** `CHRF._get_match_statistics`: [hyp count (0 if the reference has none), ref count, matches]. */
function matchStats(hyp: Map<string, number>, ref: Map<string, number>): [number, number, number] {
  let match = 0;
  let hypCount = 0;
  for (const [g, c] of hyp) {
    hypCount += c;
    const r = ref.get(g);
    if (r !== undefined) match += Math.min(c, r);
  }
  let refCount = 0;
  for (const c of ref.values()) refCount += c;
  return [ref.size > 0 ? hypCount : 0, refCount, match];
}

/**
 * Corpus-level chrF / chrF++ exactly like sacreBLEU's `CHRF(...).corpus_score(hypotheses,
 * references)`: per segment the reference with the best F is kept, then the statistics are summed
 * over the corpus and one F is computed from the sums. `references` has sacreBLEU's layout
 * (`references[k][i]` is the k-th reference of hypothesis `i`, `null` for a missing one), as in
 * {@link corpusBleu}.
 *
 * @example
 * corpusChrf(['The cat sat on the mat.'], [['The cat is on the mat.']]).score
 * corpusChrf(hyps, [refs], { wordOrder: 2 }) // chrF++
 */
export function corpusChrf(
  hypotheses: readonly string[],
  references: readonly (readonly (string | null)[])[],
  options: ChrfOptions = {},
): ChrfScore {
  const o = resolve(options);
  const { refs, nrefs } = segmentsOf(hypotheses, references);
  const pre = (s: string) => (o.lowercase ? s.toLowerCase() : s);
  const order = o.charOrder + o.wordOrder;
  const total = new Array<number>(3 * order).fill(0);
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = ngramsOf(pre(hypotheses[i]!), o);
    let best: number[] = [];
    let bestF = -1;
    for (const ref of refs[i]!) {
      const r = ngramsOf(pre(ref), o);
      const stats: number[] = [];
      for (let n = 0; n < order; n++) stats.push(...matchStats(hyp[n]!, r[n]!));
      const f = fScore(stats, o);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    for (let j = 0; j < best.length; j++) total[j]! += best[j]!;
  }
  const score = fScore(total, o);
  const name = `chrF${o.beta}${'+'.repeat(o.wordOrder)}`;
  const signature = formatSignature(nrefs, [
    ['case', o.lowercase ? 'lc' : 'mixed'],
    ['eff', yesNo(!o.epsSmoothing)],
    ['nc', String(o.charOrder)],
    ['nw', String(o.wordOrder)],
    ['space', yesNo(o.whitespace)],
  ]);
  return {
    score,
    name,
    charOrder: o.charOrder,
    wordOrder: o.wordOrder,
    beta: o.beta,
    stats: total,
    signature,
    toString: () => formatScore(name, score),
  };
}

/**
 * chrF of one hypothesis against its references, like sacreBLEU's `sentence_chrf(hypothesis,
 * references)` / `CHRF().sentence_score`.
 */
export function sentenceChrf(
  hypothesis: string,
  references: readonly string[],
  options: ChrfOptions = {},
): ChrfScore {
  if (!Array.isArray(references)) throw new MetricInputError('references must be an array of strings');
  return corpusChrf(
    [hypothesis],
    references.map((r) => [r]),
    options,
  );
}
