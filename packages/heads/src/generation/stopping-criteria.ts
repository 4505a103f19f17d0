/**
 * Stopping criteria (transformers' `generation/stopping_criteria.py`): after each new token a row
 * may finish, for a reason reported in the results.
 */

/** Why a row stopped: an eos id, a stop string in its text, `maxNewTokens`. */
export type FinishReason = 'eos' | 'stop_string' | 'length';

/** transformers' `EosTokenCriteria`: a row finishes when it produces one of the eos ids. */
export class EosTokenCriteria {
  readonly ids: ReadonlySet<number>;
  constructor(ids: Iterable<number>) {
    this.ids = new Set(ids);
  }
  isDone(id: number): boolean {
    return this.ids.has(id);
  }
}

/**
 * transformers' `StopStringCriteria`, on decoded text: a row finishes as soon as its generated
 * text contains one of the strings, including when the string ends in the middle of the last
 * token (`"stop"` inside a token `"stopped"`): {@link find} returns where the text is to be cut,
 * right after the stop string, so the overhang of that token is not part of the output.
 */
export class StopStringCriteria {
  readonly stopStrings: readonly string[];
  /** Length of the longest stop string (UTF-16 units). */
  readonly longest: number;

  constructor(stopStrings: string | readonly string[]) {
    this.stopStrings = typeof stopStrings === 'string' ? [stopStrings] : [...stopStrings];
    for (const s of this.stopStrings)
      if (typeof s !== 'string' || s.length === 0)
        throw new Error(
          `stopStrings: every stop string must be a non-empty string (got ${JSON.stringify(s)})`,
        );
    this.longest = Math.max(0, ...this.stopStrings.map((s) => s.length));
  }

  /**
   * The end (exclusive UTF-16 index) of the earliest stop string in `text` that was completed by
   * characters at or after `newFrom` (text before it was checked already), or `undefined`.
   */
  find(text: string, newFrom: number): number | undefined {
    let best: number | undefined;
    const from = Math.max(0, newFrom - this.longest + 1);
    for (const s of this.stopStrings) {
      const at = text.indexOf(s, from);
      if (at >= 0 && at + s.length > newFrom && (best === undefined || at + s.length < best))
        best = at + s.length;
    }
    return best;
  }
}
