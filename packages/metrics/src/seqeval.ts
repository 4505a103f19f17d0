/**
 * Entity-level precision, recall and F1 like seqeval 1.2.2 (`seqeval.metrics`): default mode
 * (conlleval-compatible chunking) and strict mode (`mode='strict'` with a scheme).
 */
import { getEntities } from './entity-chunks.js';
import { type TaggingScheme, detectScheme, strictEntities } from './entity-schemes.js';
import { MetricInputError, type WarningHandler, defaultWarningHandler, onceEach } from './errors.js';
import { compareCodePoints } from './python-compat.js';
import type { ReportRow } from './report.js';

/** Options of the entity-level metrics. */
export interface EntityMetricOptions {
  /**
   * `'default'` (seqeval's default, compatible with conlleval.pl): lenient chunking that accepts any
   * mix of IOB1/IOB2/IOE/IOBES tags. `'strict'`: an entity counts only if it is well formed in
   * `scheme`; without a scheme it is detected from `yTrue` as seqeval's `classification_report`
   * does (`auto_detect`: IOB2, IOE2, IOBES or BILOU from the set of tag prefixes).
   */
  mode?: 'default' | 'strict';
  /** The tagging scheme for strict mode (default: detected from `yTrue`, see {@link detectScheme}). */
  scheme?: TaggingScheme;
  /** Tags are written `PER-B` instead of `B-PER`. */
  suffix?: boolean;
  /**
   * Value of precision with no predicted entities of a type, recall with no true ones (and F then):
   * `'warn'` (default, acts as 0 and warns), `0` or `1`. seqeval computes F from those precision and
   * recall values (`2·p·r/(p+r)`, 0 when `p+r` is 0), as scikit-learn did before 1.3.
   */
  zeroDivision?: 'warn' | 0 | 1;
  /** Where warnings go (ill-defined scores, odd tags). Default: `process.emitWarning`. */
  onWarning?: WarningHandler;
}

/** One entity type's row, with the counts behind it. */
export interface EntityRow extends ReportRow {
  /** Entities of this type in the predictions. */
  predicted: number;
  /** Predicted entities that exactly match a true entity (type, start and end). */
  correct: number;
}

/** seqeval's `classification_report(..., output_dict=True)`, plus token accuracy and counts. */
export interface EntityReport {
  /** Per-type rows, types sorted by code point (seqeval's `sorted`). */
  perType: Record<string, EntityRow>;
  types: string[];
  microAvg: ReportRow;
  /** Unweighted mean over types; NaN when there are no entities at all (NumPy's mean of nothing). */
  macroAvg: ReportRow;
  weightedAvg: ReportRow;
  /** Token-level accuracy (seqeval's `accuracy_score`). */
  tokenAccuracy: number;
}

function checkSequences(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[]) {
  if (!Array.isArray(yTrue) || !yTrue.every((s) => Array.isArray(s))) {
    throw new MetricInputError('yTrue must be an array of tag sequences (string[][]), one per sentence');
  }
  if (!Array.isArray(yPred) || !yPred.every((s) => Array.isArray(s))) {
    throw new MetricInputError('yPred must be an array of tag sequences (string[][]), one per sentence');
  }
  if (yTrue.length !== yPred.length) {
    throw new MetricInputError(`yTrue has ${yTrue.length} sentences but yPred has ${yPred.length}`);
  }
  for (let s = 0; s < yTrue.length; s++) {
    if (yTrue[s]!.length !== yPred[s]!.length) {
      throw new MetricInputError(
        `sentence ${s}: yTrue[${s}] has ${yTrue[s]!.length} tags but yPred[${s}] has ${yPred[s]!.length}`,
      );
    }
    for (const [name, seq] of [
      ['yTrue', yTrue[s]!],
      ['yPred', yPred[s]!],
    ] as const) {
      seq.forEach((t, i) => {
        if (typeof t !== 'string' || t.length === 0) {
          throw new MetricInputError(
            `${name}[${s}][${i}] is ${JSON.stringify(t)}: tags must be non-empty strings`,
          );
        }
      });
    }
  }
}

/** Entity keys per type: one string per entity, comparable across true and predicted. */
function entitiesByType(
  seqs: readonly (readonly string[])[],
  name: string,
  options: EntityMetricOptions,
  warn: WarningHandler,
): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  const add = (type: string, key: string) => {
    let set = byType.get(type);
    if (!set) {
      set = new Set();
      byType.set(type, set);
    }
    set.add(key);
  };
  const suffix = options.suffix ?? false;
  if ((options.mode ?? 'default') === 'strict') {
    const scheme = options.scheme!;
    seqs.forEach((seq, s) => {
      for (const e of strictEntities(seq, scheme, { suffix, sentence: s, where: `${name}[${s}]` })) {
        add(e.type, `${e.sentence}:${e.start}:${e.end}`);
      }
    });
  } else if (options.mode !== undefined && options.mode !== 'default') {
    throw new MetricInputError(`mode is ${JSON.stringify(options.mode)}: must be 'default' or 'strict'`);
  } else {
    const onOddTag = (tag: string) => warn(`${tag} seems not to be NE tag.`);
    for (const [type, start, end] of getEntities(seqs, { suffix, onOddTag })) add(type, `${start}:${end}`);
  }
  return byType;
}

interface Counts {
  types: string[];
  tp: number[];
  pred: number[];
  tru: number[];
}

function countEntities(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: EntityMetricOptions,
  warn: WarningHandler,
): Counts {
  checkSequences(yTrue, yPred);
  if (options.mode === 'strict' && options.scheme === undefined) {
    // seqeval's classification_report(mode='strict') without a scheme: auto_detect(y_true).
    let scheme: TaggingScheme;
    try {
      scheme = detectScheme(yTrue, options.suffix ?? false);
    } catch (e) {
      throw new MetricInputError(
        `mode 'strict' without a scheme: detecting it from yTrue failed (${(e as Error).message}); pass scheme`,
      );
    }
    options = { ...options, scheme };
  }
  const t = entitiesByType(yTrue, 'yTrue', options, warn);
  const p = entitiesByType(yPred, 'yPred', options, warn);
  const types = [...new Set([...t.keys(), ...p.keys()])].sort(compareCodePoints);
  const tp: number[] = [];
  const pred: number[] = [];
  const tru: number[] = [];
  for (const type of types) {
    const ts = t.get(type) ?? new Set<string>();
    const ps = p.get(type) ?? new Set<string>();
    let hit = 0;
    for (const k of ps) if (ts.has(k)) hit++;
    tp.push(hit);
    pred.push(ps.size);
    tru.push(ts.size);
  }
  return { types, tp, pred, tru };
}

/** seqeval's `_precision_recall_fscore_support` arithmetic (scikit-learn < 1.3 semantics). */
function scores(
  c: Counts,
  average: 'micro' | 'macro' | 'weighted' | null,
  zeroDivision: 'warn' | 0 | 1,
  warn: WarningHandler,
) {
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  let { tp, pred, tru } = c;
  if (average === 'micro') {
    tp = [sum(tp)];
    pred = [sum(pred)];
    tru = [sum(tru)];
  }
  const zd = zeroDivision === 1 ? 1 : 0;
  const divide = (num: number[], den: number[], what: string, modifier: string) => {
    const r = num.map((n, i) => (den[i] === 0 ? zd : n / den[i]!));
    if (den.includes(0) && zeroDivision === 'warn') {
      const where = r.length === 1 ? 'due to' : 'in labels with';
      warn(
        `${what} and F-score are ill-defined and being set to 0.0 ${where} no ${modifier} samples. ` +
          'Use the `zeroDivision` option to control this behavior.',
      );
    }
    return r;
  };
  const precision = divide(tp, pred, 'Precision', 'predicted');
  const recall = divide(tp, tru, 'Recall', 'true');
  const f1 = precision.map((p, i) => {
    const r = recall[i]!;
    const den = p + r;
    return den === 0 ? 0 : (2 * p * r) / den;
  });
  if (average === null) return { precision, recall, f1, support: tru };
  const support = sum(tru);
  if (average === 'weighted') {
    if (support === 0) {
      const anyPred = sum(pred) !== 0;
      return { precision: anyPred ? 0 : zd, recall: zd, f1: anyPred ? 0 : zd, support };
    }
    const w = (a: number[]) => a.reduce((s, v, i) => s + v * tru[i]!, 0) / support;
    return { precision: w(precision), recall: w(recall), f1: w(f1), support };
  }
  const mean = (a: number[]) => sum(a) / a.length;
  return { precision: mean(precision), recall: mean(recall), f1: mean(f1), support };
}

function resolve(options: EntityMetricOptions) {
  const zeroDivision = options.zeroDivision ?? 'warn';
  if (zeroDivision !== 'warn' && zeroDivision !== 0 && zeroDivision !== 1) {
    throw new MetricInputError(`zeroDivision is ${String(zeroDivision)}: must be 'warn', 0 or 1`);
  }
  const warn = onceEach(options.onWarning ?? defaultWarningHandler('UndefinedMetricWarning'));
  return { zeroDivision, warn };
}

/**
 * Entity-level precision, recall, F1 and support (seqeval's `precision_recall_fscore_support`).
 * With `average: null` (the default) the arrays follow `types`.
 */
export function entityPrecisionRecallF1(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: EntityMetricOptions & { average?: 'micro' | 'macro' | 'weighted' | null } = {},
): { types: string[]; precision: number[]; recall: number[]; f1: number[]; support: number[] } | ReportRow {
  const { zeroDivision, warn } = resolve(options);
  const c = countEntities(yTrue, yPred, options, warn);
  const average = options.average ?? null;
  const r = scores(c, average, zeroDivision, warn);
  if (average === null)
    return {
      types: c.types,
      ...(r as { precision: number[]; recall: number[]; f1: number[]; support: number[] }),
    };
  return r as ReportRow;
}

/**
 * Per-type precision/recall/F1/support plus micro, macro and weighted averages, like seqeval's
 * `classification_report(y_true, y_pred, output_dict=True)` (`mode` and `scheme` as there).
 *
 * @example
 * const r = entityReport(
 *   [['B-PER', 'I-PER', 'O', 'B-LOC']],
 *   [['B-PER', 'I-PER', 'O', 'O']],
 * );
 * r.microAvg // { precision: 1, recall: 0.5, f1: 0.666…, support: 2 }
 */
export function entityReport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  options: EntityMetricOptions = {},
): EntityReport {
  const { zeroDivision, warn } = resolve(options);
  const c = countEntities(yTrue, yPred, options, warn);
  const per = scores(c, null, zeroDivision, warn) as {
    precision: number[];
    recall: number[];
    f1: number[];
    support: number[];
  };
  const perType: Record<string, EntityRow> = {};
  c.types.forEach((type, i) => {
    perType[type] = {
      precision: per.precision[i]!,
      recall: per.recall[i]!,
      f1: per.f1[i]!,
      support: per.support[i]!,
      predicted: c.pred[i]!,
      correct: c.tp[i]!,
    };
  });
  return {
    perType,
    types: c.types,
    microAvg: scores(c, 'micro', zeroDivision, warn) as ReportRow,
    macroAvg: scores(c, 'macro', zeroDivision, warn) as ReportRow,
    weightedAvg: scores(c, 'weighted', zeroDivision, warn) as ReportRow,
    tokenAccuracy: tokenAccuracy(yTrue, yPred),
  };
}

/** Fraction of tags predicted exactly (seqeval's `accuracy_score`). */
export function tokenAccuracy(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
): number {
  checkSequences(yTrue, yPred);
  let correct = 0;
  let total = 0;
  yTrue.forEach((seq, s) => {
    seq.forEach((t, i) => {
      if (t === yPred[s]![i]) correct++;
      total++;
    });
  });
  return correct / total;
}
