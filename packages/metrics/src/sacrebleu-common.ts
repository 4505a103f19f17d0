/**
 * What sacreBLEU's three metrics (BLEU, chrF, TER) share: the reference-stream layout with its
 * checks, the `nrefs` part of the signature, and the signature / score formatting of
 * `sacrebleu.metrics.base`.
 */
import { MetricInputError } from './errors.js';
import { pyFixed } from './python-compat.js';

/** The sacreBLEU version whose arithmetic this package follows (named in every signature). */
export const SACREBLEU_VERSION = '2.6.0';

/** Segments with their references, after the layout checks. */
export interface Segments {
  /** `refs[i]`: the references of hypothesis `i` that are present (not `null`), in stream order. */
  refs: string[][];
  /** `nrefs` of the signature: the number of references, or `'var'` if it varies by segment. */
  nrefs: string;
}

/**
 * Checks `hypotheses` and sacreBLEU-layout `references` (a list of reference *streams*, each as long
 * as `hypotheses`; `null` marks a missing k-th reference) and regroups the references per segment.
 */
export function segmentsOf(
  hypotheses: readonly string[],
  references: readonly (readonly (string | null)[])[],
): Segments {
  if (!Array.isArray(hypotheses)) throw new MetricInputError('hypotheses must be an array of strings');
  if (!Array.isArray(references) || references.length === 0 || !references.every((r) => Array.isArray(r))) {
    throw new MetricInputError(
      'references must be a non-empty array of reference streams (string[][]): references[k][i] is the ' +
        'k-th reference of hypothesis i',
    );
  }
  references.forEach((stream, k) => {
    if (stream.length !== hypotheses.length) {
      throw new MetricInputError(
        `references[${k}] has ${stream.length} segments but there are ${hypotheses.length} hypotheses. ` +
          'references is a list of reference streams (sacreBLEU layout: references[k][i] is the k-th ' +
          'reference of hypothesis i); if you have one list of references per hypothesis (Hugging Face ' +
          'evaluate layout), transpose it.',
      );
    }
  });
  const counts = new Set<number>();
  const refs: string[][] = [];
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = hypotheses[i];
    if (typeof hyp !== 'string')
      throw new MetricInputError(`hypotheses[${i}] is ${String(hyp)}: must be a string`);
    const present: string[] = [];
    for (let k = 0; k < references.length; k++) {
      const ref = references[k]![i];
      if (ref === null || ref === undefined) continue;
      if (typeof ref !== 'string') {
        throw new MetricInputError(`references[${k}][${i}] is ${String(ref)}: must be a string or null`);
      }
      present.push(ref);
    }
    if (present.length === 0) {
      throw new MetricInputError(`hypothesis ${i} has no reference (every references[k][${i}] is null)`);
    }
    counts.add(present.length);
    refs.push(present);
  }
  const nrefs = counts.size === 1 ? String([...counts][0]) : 'var';
  return { refs, nrefs };
}

/** `Signature.format()`: `nrefs:…|<metric fields>|version:2.6.0`. */
export function formatSignature(nrefs: string, fields: readonly [string, string][]): string {
  return [`nrefs:${nrefs}`, ...fields.map(([k, v]) => `${k}:${v}`), `version:${SACREBLEU_VERSION}`].join('|');
}

/** `Score.format()` without a signature: `NAME = 12.34[ verbose]`. */
export function formatScore(name: string, score: number, verbose = '', width = 2): string {
  const s = `${name} = ${pyFixed(score, width)}`;
  return verbose ? `${s} ${verbose}` : s;
}

/** Python's `'yes' if b else 'no'`. */
export const yesNo = (b: boolean | undefined) => (b ? 'yes' : 'no');
