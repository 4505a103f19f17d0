/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's `rouge-score` 0.1.2 computes them
 * (`rouge_score.rouge_scorer.RougeScorer` with its `DefaultTokenizer`).
 */
import { MetricInputError } from './errors.js';
import { PorterStemmer } from './porter-stemmer.js';
import {
  type AggregateScore,
  BootstrapAggregator,
  type BootstrapOptions,
  type RougeScore,
} from './rouge-bootstrap.js';
import { PunktSentenceTokenizer } from './punkt.js';

export type { RougeScore };

/** `'rouge1'` … `'rouge9'`, `'rougeL'` (LCS over the whole text) or `'rougeLsum'` (summary-level LCS). */
export type RougeType = `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | 'rougeL' | 'rougeLsum';

/** Options of {@link RougeScorer}. */
export interface RougeOptions {
  /** Default `['rouge1', 'rouge2', 'rougeL', 'rougeLsum']`. */
  rougeTypes?: readonly RougeType[];
  /** Stem tokens longer than 3 characters with NLTK's Porter stemmer (as `use_stemmer=True`). */
  useStemmer?: boolean;
  /**
   * A custom tokenizer (rouge-score's `tokenizer=`, `evaluate`'s `tokenizer=`): text → tokens. It
   * replaces the default tokenizer entirely, so `useStemmer` has no effect with it (as in
   * rouge-score).
   */
  tokenizer?: ((text: string) => string[]) | { tokenize(text: string): string[] };
  /**
   * rouge-score's `split_summaries`: for `rougeLsum`, find the sentences with a Punkt sentence
   * splitter instead of reading one sentence per line. `true` uses `splitter` if given, else an
   * untrained Punkt splitter ({@link PunktSentenceTokenizer} with no parameters).
   */
  splitSummaries?: boolean;
  /** The sentence splitter for `splitSummaries` (e.g. a {@link PunktSentenceTokenizer} with NLTK's English parameters). */
  splitter?: { tokenize(text: string): string[] };
}

const NON_ALPHANUM = /[^a-z0-9]+/g;
const VALID_TOKEN = /^[a-z0-9]+$/;
const ZERO: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };

/** rouge-score's `scoring.fmeasure`. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/**
 * rouge-score's default tokenizer: lowercase, every run of characters other than `a-z0-9` becomes a
 * space, split, optionally stem tokens longer than 3 characters (rouge-score uses NLTK's Porter
 * stemmer: `new PorterStemmer().stem`), keep `^[a-z0-9]+$` tokens.
 */
export function rougeTokenize(text: string, stem?: (token: string) => string): string[] {
  const tokens = text.toLowerCase().replace(NON_ALPHANUM, ' ').split(' ');
  const out: string[] = [];
  for (let t of tokens) {
    if (stem && t.length > 3) t = stem(t);
    if (VALID_TOKEN.test(t)) out.push(t);
  }
  return out;
}

function ngrams(tokens: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

function scoreNgrams(target: Map<string, number>, prediction: Map<string, number>): RougeScore {
  let inter = 0;
  let targetCount = 0;
  let predCount = 0;
  for (const [g, c] of target) {
    inter += Math.min(c, prediction.get(g) ?? 0);
    targetCount += c;
  }
  for (const c of prediction.values()) predCount += c;
  const precision = inter / Math.max(predCount, 1);
  const recall = inter / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** The (rows+1)×(cols+1) LCS length table, flattened. */
function lcsTable(ref: string[], can: string[]): Int32Array {
  const cols = can.length + 1;
  const t = new Int32Array((ref.length + 1) * cols);
  for (let i = 1; i <= ref.length; i++) {
    const r = ref[i - 1];
    for (let j = 1; j <= can.length; j++) {
      t[i * cols + j] =
        r === can[j - 1]
          ? t[(i - 1) * cols + j - 1]! + 1
          : Math.max(t[(i - 1) * cols + j]!, t[i * cols + j - 1]!);
    }
  }
  return t;
}

function scoreLcs(target: string[], prediction: string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { ...ZERO };
  const t = lcsTable(target, prediction);
  const lcs = t[t.length - 1]!;
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** rouge-score's `lcs_ind` (`_backtrack_norec`): indices into `ref` of one LCS, with its tie-breaking. */
function lcsIndices(ref: string[], can: string[]): number[] {
  const t = lcsTable(ref, can);
  const cols = can.length + 1;
  let i = ref.length;
  let j = can.length;
  const out: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (t[i * cols + j - 1]! > t[(i - 1) * cols + j]!) j--;
    else i--;
  }
  return out.reverse();
}

/** rouge-score's `_summary_level_lcs`: union LCS per reference sentence, without double counting. */
function summaryLevelLcs(refSents: string[][], canSents: string[][]): RougeScore {
  if (refSents.length === 0 || canSents.length === 0) return { ...ZERO };
  const m = refSents.reduce((s, x) => s + x.length, 0);
  const n = canSents.reduce((s, x) => s + x.length, 0);
  if (n === 0 || m === 0) return { ...ZERO };
  const countsR = new Map<string, number>();
  const countsC = new Map<string, number>();
  for (const s of refSents) for (const tok of s) countsR.set(tok, (countsR.get(tok) ?? 0) + 1);
  for (const s of canSents) for (const tok of s) countsC.set(tok, (countsC.get(tok) ?? 0) + 1);
  let hits = 0;
  for (const r of refSents) {
    const union = new Set<number>();
    for (const c of canSents) for (const idx of lcsIndices(r, c)) union.add(idx);
    for (const idx of [...union].sort((a, b) => a - b)) {
      const tok = r[idx]!;
      const cc = countsC.get(tok) ?? 0;
      const cr = countsR.get(tok) ?? 0;
      if (cc > 0 && cr > 0) {
        hits++;
        countsC.set(tok, cc - 1);
        countsR.set(tok, cr - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Lsum's sentence split without `splitSummaries`: on `\n`, dropping empty lines. */
function lines(text: string): string[] {
  return text.split('\n').filter((s) => s.length > 0);
}

const DEFAULT_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

/**
 * rouge-score's `RougeScorer`. Note the argument order of {@link RougeScorer.score}: target
 * (reference) first, then prediction, as in Python.
 *
 * For `rougeLsum`, sentences are the lines of the text (put a newline between sentences), or with
 * `splitSummaries` what a Punkt sentence splitter finds.
 *
 * @example
 * const scorer = new RougeScorer({ rougeTypes: ['rouge1', 'rougeL'], useStemmer: true });
 * scorer.score('The quick brown fox jumps over the lazy dog', 'The quick brown dog jumps on the log.');
 * // { rouge1: { precision: 0.75, recall: 0.666…, fmeasure: 0.705… }, rougeL: { … } }
 */
export class RougeScorer {
  readonly rougeTypes: readonly RougeType[];
  private readonly stemmer: PorterStemmer | undefined;
  private readonly stems = new Map<string, string>();
  private readonly custom: ((text: string) => string[]) | undefined;
  private readonly splitter: ((text: string) => string[]) | undefined;

  constructor(options: RougeOptions = {}) {
    this.rougeTypes = options.rougeTypes ?? DEFAULT_TYPES;
    if (this.rougeTypes.length === 0) throw new MetricInputError('rougeTypes is empty');
    for (const t of this.rougeTypes) {
      if (t !== 'rougeL' && t !== 'rougeLsum' && !/^rouge[1-9]$/.test(t)) {
        throw new MetricInputError(
          `Invalid rouge type: ${JSON.stringify(t)} (rouge1…rouge9, rougeL, rougeLsum)`,
        );
      }
    }
    const tok = options.tokenizer;
    if (tok !== undefined) {
      if (typeof tok === 'function') this.custom = tok;
      else if (tok && typeof tok.tokenize === 'function') this.custom = (text) => tok.tokenize(text);
      else
        throw new MetricInputError(
          'tokenizer must be a function (text → tokens) or have a tokenize(text) method',
        );
    }
    this.stemmer = options.useStemmer && !this.custom ? new PorterStemmer() : undefined;
    if (options.splitSummaries) {
      const splitter = options.splitter ?? new PunktSentenceTokenizer();
      this.splitter = (text) => splitter.tokenize(text);
    } else if (options.splitter) {
      throw new MetricInputError('splitter is only used with splitSummaries: true');
    }
  }

  /** The tokens this scorer compares (custom tokenizer, or the default tokenizer + optional stemmer). */
  tokenize(text: string): string[] {
    if (this.custom) {
      const tokens = this.custom(text);
      if (!Array.isArray(tokens))
        throw new MetricInputError('the custom tokenizer must return an array of strings');
      return tokens.map(String);
    }
    const stemmer = this.stemmer;
    if (!stemmer) return rougeTokenize(text);
    return rougeTokenize(text, (token) => {
      let s = this.stems.get(token);
      if (s === undefined) {
        s = stemmer.stem(token);
        if (this.stems.size >= 100_000) this.stems.clear();
        this.stems.set(token, s);
      }
      return s;
    });
  }

  /** The sentences `rougeLsum` compares: lines, or the splitter's sentences (empty ones dropped). */
  sentences(text: string): string[] {
    if (!this.splitter) return lines(text);
    return this.splitter(text).filter((s) => s.length > 0);
  }

  /** Scores `prediction` against one `target`, for every configured type. */
  score(target: string, prediction: string): Record<string, RougeScore> {
    if (typeof target !== 'string')
      throw new MetricInputError(`target is ${String(target)}: must be a string`);
    if (typeof prediction !== 'string') {
      throw new MetricInputError(`prediction is ${String(prediction)}: must be a string`);
    }
    const onlyLsum = this.rougeTypes.length === 1 && this.rougeTypes[0] === 'rougeLsum';
    const targetTokens = onlyLsum ? [] : this.tokenize(target);
    const predTokens = onlyLsum ? [] : this.tokenize(prediction);
    const out: Record<string, RougeScore> = {};
    for (const type of this.rougeTypes) {
      if (type === 'rougeL') out[type] = scoreLcs(targetTokens, predTokens);
      else if (type === 'rougeLsum') {
        out[type] = summaryLevelLcs(
          this.sentences(target).map((s) => this.tokenize(s)),
          this.sentences(prediction).map((s) => this.tokenize(s)),
        );
      } else {
        const n = Number(type.slice(5));
        out[type] = scoreNgrams(ngrams(targetTokens, n), ngrams(predTokens, n));
      }
    }
    return out;
  }

  /**
   * Scores `prediction` against several targets; for each type the target with the highest
   * F-measure wins (the first on ties), as rouge-score's `score_multi`.
   */
  scoreMulti(targets: readonly string[], prediction: string): Record<string, RougeScore> {
    if (!Array.isArray(targets) || targets.length === 0) {
      throw new MetricInputError('targets must be a non-empty array of strings');
    }
    const all = targets.map((t) => this.score(t, prediction));
    const out: Record<string, RougeScore> = {};
    for (const type of this.rougeTypes) {
      let best = 0;
      for (let i = 1; i < all.length; i++) if (all[i]![type]!.fmeasure > all[best]![type]!.fmeasure) best = i;
      out[type] = all[best]![type]!;
    }
    return out;
  }
}

/** Options of {@link rouge}: the scorer's, plus how the examples are aggregated. */
export interface RougeCorpusOptions extends RougeOptions {
  /**
   * Default `true`, as in Hugging Face `evaluate`: also compute rouge-score's bootstrap
   * {@link BootstrapAggregator} intervals (`result.aggregate`). `false` skips the resampling.
   */
  useAggregator?: boolean;
  /** Options of the bootstrap (seed default 0, 1000 samples, 95% interval). */
  bootstrap?: BootstrapOptions;
}

/** Result of {@link rouge}. */
export interface RougeResult {
  /** One entry per prediction. */
  perExample: Record<string, RougeScore>[];
  /** Plain mean of each field over the examples (exact, no resampling). */
  mean: Record<string, RougeScore>;
  /**
   * rouge-score's `BootstrapAggregator` result per type (low / mid / high), present unless
   * `useAggregator: false`. `aggregate[type].mid.fmeasure` is what `evaluate.load('rouge').compute()`
   * returns, number for number when NumPy's global generator was seeded with the same seed.
   */
  aggregate?: Record<string, AggregateScore>;
}

/**
 * ROUGE over a corpus: each prediction against its reference (or references: best by F-measure, as
 * `score_multi`), then the plain mean over the examples (`mean`) and, by default, rouge-score's
 * bootstrap aggregate (`aggregate`, seeded: the same input gives the same numbers).
 *
 * Which number to report: `evaluate`'s `rouge` returns `aggregate[type].mid.fmeasure` (the median
 * of 1000 bootstrap means, which varies with the seed in the 4th decimal or so on a few hundred
 * examples); `mean[type].fmeasure` is the exact average that the bootstrap estimates.
 */
export function rouge(
  predictions: readonly string[],
  references: readonly (string | readonly string[])[],
  options: RougeCorpusOptions = {},
): RougeResult {
  if (!Array.isArray(predictions) || !Array.isArray(references)) {
    throw new MetricInputError('predictions and references must be arrays');
  }
  if (predictions.length !== references.length) {
    throw new MetricInputError(
      `predictions has ${predictions.length} entries but references has ${references.length} (one per prediction)`,
    );
  }
  const { useAggregator = true, bootstrap, ...scorerOptions } = options;
  const scorer = new RougeScorer(scorerOptions);
  const aggregator = useAggregator ? new BootstrapAggregator(bootstrap) : undefined;
  const perExample = predictions.map((p, i) => {
    const ref = references[i]!;
    if (typeof p !== 'string')
      throw new MetricInputError(`predictions[${i}] is ${String(p)}: must be a string`);
    const s = typeof ref === 'string' ? scorer.score(ref, p) : scorer.scoreMulti(ref, p);
    aggregator?.addScores(s);
    return s;
  });
  const mean: Record<string, RougeScore> = {};
  for (const type of scorer.rougeTypes) {
    const m = { precision: 0, recall: 0, fmeasure: 0 };
    for (const ex of perExample) {
      m.precision += ex[type]!.precision;
      m.recall += ex[type]!.recall;
      m.fmeasure += ex[type]!.fmeasure;
    }
    const n = perExample.length;
    mean[type] = n
      ? { precision: m.precision / n, recall: m.recall / n, fmeasure: m.fmeasure / n }
      : { ...ZERO };
  }
  const result: RougeResult = { perExample, mean };
  if (aggregator && perExample.length > 0) result.aggregate = aggregator.aggregate();
  return result;
}
