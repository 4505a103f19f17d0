/**
 * rouge-score's `scoring.BootstrapAggregator` (0.1.2), the aggregation Hugging Face `evaluate`'s
 * `rouge` applies by default (`use_aggregator=True`, whose result is `mid.fmeasure`).
 */
import { MetricInputError } from './errors.js';
import { NumpyRandomState, npPercentile } from './numpy-random.js';

/** rouge-score's `Score` tuple. */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** rouge-score's `AggregateScore`: the low / mid / high percentiles of the bootstrap means. */
export interface AggregateScore {
  low: RougeScore;
  mid: RougeScore;
  high: RougeScore;
}

/** Options of {@link BootstrapAggregator}; the defaults are rouge-score's. */
export interface BootstrapOptions {
  /** Width of the interval between `low` and `high`. Default 0.95 (2.5th and 97.5th percentiles). */
  confidenceInterval?: number;
  /** Number of bootstrap resamples. Default 1000. */
  nSamples?: number;
  /**
   * Seed of the NumPy-compatible MT19937 stream. Default 0. The result equals rouge-score's (and
   * `evaluate`'s) after `np.random.seed(seed)`, when nothing else draws from NumPy's global
   * generator in between.
   */
  seed?: number;
}

const FIELDS = ['precision', 'recall', 'fmeasure'] as const;

/**
 * Collects per-example ROUGE scores and estimates a confidence interval for their mean by bootstrap
 * resampling, exactly as rouge-score does: for each score type (in the order first added), draw
 * `nSamples` resamples of the examples with replacement (`np.random.choice`), take each resample's
 * mean precision / recall / F, and report the percentiles `(1 − ci)/2`, 50 and `1 − (1 − ci)/2` of
 * those means (`np.percentile`, linear). `mid` is therefore the *median of the bootstrap means*,
 * close to but not exactly the plain mean.
 *
 * @example
 * const agg = new BootstrapAggregator({ seed: 0 });
 * for (const ex of perExample) agg.addScores(ex);
 * agg.aggregate().rougeL!.mid.fmeasure
 */
export class BootstrapAggregator {
  private readonly confidenceInterval: number;
  private readonly nSamples: number;
  private readonly seed: number;
  private readonly scores = new Map<string, RougeScore[]>();

  constructor(options: BootstrapOptions = {}) {
    this.confidenceInterval = options.confidenceInterval ?? 0.95;
    this.nSamples = options.nSamples ?? 1000;
    this.seed = options.seed ?? 0;
    if (!(this.confidenceInterval >= 0 && this.confidenceInterval <= 1)) {
      throw new MetricInputError('confidenceInterval must be in range [0, 1]');
    }
    if (!Number.isInteger(this.nSamples) || this.nSamples <= 0) {
      throw new MetricInputError('nSamples must be a positive integer');
    }
    new NumpyRandomState(this.seed); // validates the seed now rather than at aggregate()
  }

  /** Adds one example's scores (score type → `RougeScore`). */
  addScores(scores: Record<string, RougeScore>): void {
    for (const [type, s] of Object.entries(scores)) {
      const list = this.scores.get(type);
      if (list) list.push(s);
      else this.scores.set(type, [s]);
    }
  }

  /**
   * The intervals of every score type. Each call restarts the random stream from the seed, so
   * aggregating twice gives the same result.
   */
  aggregate(): Record<string, AggregateScore> {
    const rng = new NumpyRandomState(this.seed);
    const delta = (1 - this.confidenceInterval) / 2;
    const q = [100 * delta, 100 * 0.5, 100 * (1 - delta)];
    const out: Record<string, AggregateScore> = {};
    for (const [type, list] of this.scores) {
      const n = list.length;
      const means = FIELDS.map(() => new Float64Array(this.nSamples));
      for (let s = 0; s < this.nSamples; s++) {
        const idx = rng.randint(n, n);
        for (let f = 0; f < FIELDS.length; f++) {
          const field = FIELDS[f]!;
          let sum = 0;
          for (let k = 0; k < n; k++) sum += list[idx[k]!]![field];
          means[f]![s] = sum / n;
        }
      }
      const at = (p: number): RougeScore => ({
        precision: npPercentile(means[0]!, p),
        recall: npPercentile(means[1]!, p),
        fmeasure: npPercentile(means[2]!, p),
      });
      out[type] = { low: at(q[0]!), mid: at(q[1]!), high: at(q[2]!) };
    }
    return out;
  }
}
