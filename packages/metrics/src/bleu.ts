/**
 * Corpus BLEU exactly as sacreBLEU 2.x computes it (`sacrebleu.metrics.BLEU`), default
 * `BLEU(tokenize='13a', smooth_method='exp', lowercase=False, force=False, effective_order=False)`.
 */
import { MetricInputError } from './errors.js';
import { pyFixed, pyRstrip, pySplit } from './python-compat.js';
import { SACREBLEU_VERSION, formatSignature, segmentsOf } from './sacrebleu-common.js';
import { type SacrebleuTokenizerName, sacrebleuTokenizer } from './sacrebleu-tokenizers.js';

export { SACREBLEU_VERSION };

/** sacreBLEU's smoothing methods (Chen & Cherry 2014). */
export type BleuSmoothMethod = 'none' | 'floor' | 'add-k' | 'exp';

/** Options of {@link corpusBleu}; the defaults are sacreBLEU's. */
export interface BleuOptions {
  /**
   * `'13a'` (default, mteval-v13a), `'intl'` (mteval-v14 international: Unicode punctuation and
   * symbols), `'zh'` (Chinese characters split, the rest as 13a), `'char'` (every character a
   * token) or `'none'` (split the text on whitespace as it is).
   */
  tokenize?: SacrebleuTokenizerName;
  /**
   * Target language, used as sacreBLEU uses it: with no `tokenize`, `'zh'` selects the `zh`
   * tokenizer (sacreBLEU's `ja`/`ko` choices need MeCab: an error here).
   */
  trgLang?: string;
  /** Lowercase hypotheses and references first. Default false. */
  lowercase?: boolean;
  /**
   * Default `'exp'` (sacreBLEU's default, NIST/mteval smoothing: the k-th order with no match
   * gets precision 1/(2^k · total)). `'none'`: no smoothing; `'floor'`: zero-match precisions
   * become `smoothValue`/total (default 0.1); `'add-k'`: add `smoothValue` (default 1) to the
   * matches and totals of orders 2 and up.
   */
  smoothMethod?: BleuSmoothMethod;
  /** The value for `'floor'` (default 0.1) and `'add-k'` (default 1). */
  smoothValue?: number;
  /** Highest n-gram order. Default 4. */
  maxNgramOrder?: number;
  /**
   * Stop at the highest order that has any n-grams (for sentence-level BLEU of short segments).
   * Default false for {@link corpusBleu}, true for {@link sentenceBleu} (as sacreBLEU's
   * `sentence_bleu`).
   */
  effectiveOrder?: boolean;
}

/** A BLEU result with sacreBLEU's fields (`sys_len` → `sysLen`, `ref_len` → `refLen`). */
export interface BleuScore {
  /** BLEU on a 0–100 scale. */
  score: number;
  /** Matched n-grams of each order (after add-k smoothing, which adds to them as sacreBLEU does). */
  counts: number[];
  /** Hypothesis n-grams of each order (idem). */
  totals: number[];
  /** Modified n-gram precisions, 0–100. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  sysLen: number;
  refLen: number;
  /** `sysLen / refLen` (0 when `refLen` is 0). */
  ratio: number;
  /** sacreBLEU's reproducibility signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. */
  signature: string;
  /** sacreBLEU's one-line summary: `BLEU = 34.12 65.1/40.5/27.9/19.6 (BP = 1.000 ratio = …)`. */
  toString(): string;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothMethod, number | undefined> = {
  none: undefined,
  floor: 0.1,
  'add-k': 1,
  exp: undefined,
};

function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/**
 * sacreBLEU's `BLEU.compute_bleu`: BLEU from its sufficient statistics. `correct` and `total` are
 * copied, then smoothed (add-k adds to them, as sacreBLEU does in place).
 */
export function computeBleu(
  correct: readonly number[],
  total: readonly number[],
  sysLen: number,
  refLen: number,
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder' | 'maxNgramOrder'> = {},
): Omit<BleuScore, 'signature' | 'toString' | 'ratio'> {
  const method = options.smoothMethod ?? 'exp';
  if (!(method in SMOOTH_DEFAULTS)) {
    throw new MetricInputError(
      `smoothMethod is ${JSON.stringify(method)}: must be 'exp', 'none', 'floor' or 'add-k'`,
    );
  }
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[method] ?? 0;
  const maxOrder = options.maxNgramOrder ?? 4;
  const counts = [...correct];
  const totals = [...total];
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  const precisions = new Array<number>(maxOrder).fill(0);
  if (!counts.some((c) => c !== 0)) return { score: 0, counts, totals, precisions, bp, sysLen, refLen };
  let smoothMteval = 1.0;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === 'add-k' && n > 1) {
      counts[n - 1]! += smoothValue;
      totals[n - 1]! += smoothValue;
    }
    if (totals[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (counts[n - 1] === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * totals[n - 1]!);
      } else if (method === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / totals[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100 * counts[n - 1]!) / totals[n - 1]!;
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i]!);
  const score = bp * Math.exp(logSum / effOrder);
  return { score, counts, totals, precisions, bp, sysLen, refLen };
}

/** n-gram counts of orders 1..maxOrder of a tokenized line (keys: tokens joined by spaces). */
function ngramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' ');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
  return m;
}

function closestRefLen(hypLen: number, refLens: number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) closestLen = refLen;
  }
  return closestLen;
}

/**
 * Corpus-level BLEU exactly like sacreBLEU's `BLEU().corpus_score(hypotheses, references)`.
 *
 * `references` has sacreBLEU's layout: a list of reference *streams*, each as long as
 * `hypotheses` — `references[k][i]` is the k-th reference of hypothesis `i`. (Hugging Face
 * `evaluate` takes the transpose, one list of references per hypothesis.) A `null` entry means
 * "no k-th reference for this segment", for a variable number of references.
 *
 * @example
 * corpusBleu(['The cat sat on the mat.'], [['The cat is on the mat.']]).score // 48.89…
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly (string | null)[])[],
  options: BleuOptions = {},
): BleuScore {
  const { refs, nrefs } = segmentsOf(hypotheses, references);
  const tokenizeName = bleuTokenizerName(options);
  const tokenize = sacrebleuTokenizer(tokenizeName);
  const maxOrder = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) {
    throw new MetricInputError(`maxNgramOrder is ${maxOrder}: must be a positive integer`);
  }
  const preprocess = (s: string) => {
    if (options.lowercase) s = s.toLowerCase();
    return tokenize(pyRstrip(s));
  };
  const stats = new Array<number>(2 + 2 * maxOrder).fill(0);
  for (let i = 0; i < hypotheses.length; i++) {
    let refNgrams: Map<string, number> | undefined;
    const refLens: number[] = [];
    for (const ref of refs[i]!) {
      const tokens = pySplit(preprocess(ref));
      refLens.push(tokens.length);
      const counts = ngramCounts(tokens, maxOrder);
      if (!refNgrams) refNgrams = counts;
      else for (const [g, c] of counts) refNgrams.set(g, Math.max(refNgrams.get(g) ?? 0, c));
    }
    const hypTokens = pySplit(preprocess(hypotheses[i]!));
    stats[0]! += hypTokens.length;
    stats[1]! += closestRefLen(hypTokens.length, refLens);
    for (const [g, c] of ngramCounts(hypTokens, maxOrder)) {
      const n = g.split(' ').length - 1;
      stats[2 + maxOrder + n]! += c;
      const r = refNgrams!.get(g);
      if (r !== undefined) stats[2 + n]! += Math.min(c, r);
    }
  }
  const result = computeBleu(stats.slice(2, 2 + maxOrder), stats.slice(2 + maxOrder), stats[0]!, stats[1]!, {
    ...options,
    maxNgramOrder: maxOrder,
  });
  return withFormatting(result, signature(nrefs, tokenizeName, options));
}

/**
 * sacreBLEU's choice of tokenizer: `tokenize` if given, else `'zh'` for `trgLang: 'zh'` and `'13a'`
 * otherwise. (sacreBLEU picks `ja-mecab` / `ko-mecab` for Japanese and Korean; those need MeCab
 * and are not provided, so `trgLang` `'ja'` / `'ko'` without `tokenize` is an error.)
 */
function bleuTokenizerName(options: BleuOptions): SacrebleuTokenizerName {
  if (options.tokenize !== undefined) return options.tokenize;
  const lang = options.trgLang ?? '';
  if (lang === 'zh') return 'zh';
  if (lang === 'ja' || lang === 'ko') {
    throw new MetricInputError(
      `trgLang '${lang}': sacreBLEU would use the ${lang}-mecab tokenizer, which needs MeCab and is not ` +
        "provided; pass tokenize ('char' or 'intl', say) explicitly",
    );
  }
  return '13a';
}

/**
 * BLEU of one hypothesis against its references, like sacreBLEU's `sentence_bleu(hypothesis,
 * references)` (which turns `effectiveOrder` on; pass `effectiveOrder: false` for
 * `BLEU().sentence_score`).
 */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  options: BleuOptions = {},
): BleuScore {
  return corpusBleu(
    [hypothesis],
    references.map((r) => [r]),
    { effectiveOrder: true, ...options },
  );
}

function signature(nrefs: string, tokenizeName: string, o: BleuOptions): string {
  const method = o.smoothMethod ?? 'exp';
  let smooth: string = method;
  const def = SMOOTH_DEFAULTS[method];
  if (def !== undefined) smooth += `[${pyFixed(o.smoothValue ?? def, 2)}]`;
  return formatSignature(nrefs, [
    ['case', o.lowercase ? 'lc' : 'mixed'],
    ['eff', o.effectiveOrder ? 'yes' : 'no'],
    ['tok', tokenizeName],
    ['smooth', smooth],
  ]);
}

function withFormatting(r: Omit<BleuScore, 'signature' | 'toString' | 'ratio'>, sig: string): BleuScore {
  const ratio = r.refLen ? r.sysLen / r.refLen : 0;
  return {
    ...r,
    ratio,
    signature: sig,
    toString() {
      const prec = r.precisions.map((p) => pyFixed(p, 1)).join('/');
      return (
        `BLEU = ${pyFixed(r.score, 2)} ${prec} (BP = ${pyFixed(r.bp, 3)} ratio = ${pyFixed(ratio, 3)} ` +
        `hyp_len = ${r.sysLen} ref_len = ${r.refLen})`
      );
    },
  };
}
