import { accuracyScore } from './classification-scores.js';
import { type PrfOptions, precisionRecallFscoreSupport } from './classification.js';
import { type Label, uniqueLabels } from './labels.js';
import { pyFixed } from './python-compat.js';

/** One row of a report. */
export interface ReportRow {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** scikit-learn's `classification_report(..., output_dict=True)`, camel-cased. */
export interface ClassificationReport {
  /** Per-label rows, keyed by `String(label)`, in label order. */
  perLabel: Record<string, ReportRow>;
  /** The labels, in the order of `perLabel`. */
  labels: Label[];
  /** Present when the micro average equals accuracy (all labels scored), as scikit-learn reports it. */
  accuracy?: number;
  /** Present instead of `accuracy` when `labels` selects a subset of the labels. */
  microAvg?: ReportRow;
  macroAvg: ReportRow;
  weightedAvg: ReportRow;
}

/**
 * Per-label precision/recall/F1/support plus accuracy (or micro average), macro and weighted
 * averages, like scikit-learn's `classification_report`. Format it with {@link formatReport}.
 */
export function classificationReport<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: Omit<PrfOptions<L>, 'average' | 'beta' | 'posLabel'> = {},
): ClassificationReport {
  const present = uniqueLabels(yTrue, yPred);
  const labels = options.labels ? [...options.labels] : present;
  const labelSet = new Set<Label>(labels);
  const microIsAccuracy =
    !options.labels || (labelSet.size === present.length && present.every((l) => labelSet.has(l)));
  const per = precisionRecallFscoreSupport(yTrue, yPred, { ...options, labels, average: null });
  const perLabel: Record<string, ReportRow> = {};
  per.labels.forEach((l, i) => {
    perLabel[String(l)] = {
      precision: per.precision[i]!,
      recall: per.recall[i]!,
      f1: per.fScore[i]!,
      support: per.support[i]!,
    };
  });
  const avg = (average: 'micro' | 'macro' | 'weighted'): ReportRow => {
    const r = precisionRecallFscoreSupport(yTrue, yPred, { ...options, labels, average });
    return { precision: r.precision, recall: r.recall, f1: r.fScore, support: r.support };
  };
  const report: ClassificationReport = {
    perLabel,
    labels,
    macroAvg: avg('macro'),
    weightedAvg: avg('weighted'),
  };
  if (microIsAccuracy) {
    report.accuracy = accuracyScore(yTrue, yPred, {
      ...(options.sampleWeight ? { sampleWeight: options.sampleWeight } : {}),
    });
  } else report.microAvg = avg('micro');
  return report;
}

/** A report with per-type/per-label rows and named average rows (classification or entity report). */
export interface ReportLike {
  perLabel?: Record<string, ReportRow>;
  perType?: Record<string, ReportRow>;
  accuracy?: number;
  microAvg?: ReportRow;
  macroAvg: ReportRow;
  weightedAvg: ReportRow;
}

/**
 * Formats a report as the text table scikit-learn and seqeval print (`digits` decimals, default 2,
 * rounded as Python rounds).
 */
export function formatReport(report: ReportLike, digits = 2): string {
  const rows = report.perLabel ?? report.perType ?? {};
  const names = Object.keys(rows);
  const avgNames = ['micro avg', 'macro avg', 'weighted avg'];
  const width = Math.max(...names.map((n) => n.length), 'weighted avg'.length, digits);
  const heads = ['precision', 'recall', 'f1-score', 'support'];
  const fmt = (v: number) => pyFixed(v, digits).padStart(9);
  const line = (name: string, r: ReportRow) =>
    `${name.padStart(width)} ${fmt(r.precision)} ${fmt(r.recall)} ${fmt(r.f1)} ${String(Math.round(r.support)).padStart(9)}`;
  const out: string[] = [`${''.padStart(width)} ${heads.map((h) => h.padStart(9)).join(' ')}`, ''];
  for (const n of names) out.push(line(n, rows[n]!));
  out.push('');
  if (report.accuracy !== undefined) {
    const support = Math.round(report.macroAvg.support);
    out.push(
      `${'accuracy'.padStart(width)} ${''.padStart(9)} ${''.padStart(9)} ${fmt(report.accuracy)} ${String(support).padStart(9)}`,
    );
  }
  const avgs: [string, ReportRow | undefined][] = [
    [avgNames[0]!, report.accuracy !== undefined ? undefined : report.microAvg],
    [avgNames[1]!, report.macroAvg],
    [avgNames[2]!, report.weightedAvg],
  ];
  for (const [n, r] of avgs) if (r) out.push(line(n, r));
  return `${out.join('\n')}\n`;
}
