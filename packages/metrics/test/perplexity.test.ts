import { describe, expect, it } from 'vitest';
import { MetricInputError, perplexity, perplexityFromMeanNll, perplexityFromNll } from '../src/index.js';
import { readJson } from './inputs.js';

const ref = readJson('perplexity.json');

describe('perplexity', () => {
  it('hand-checked: a uniform guess over V tokens has perplexity V', () => {
    expect(perplexityFromMeanNll(Math.log(50257))).toBeCloseTo(50257, 8);
    // NLLs ln 2, ln 4, ln 8 → mean ln 4 → perplexity 4
    expect(perplexity([Math.log(2), Math.log(4), Math.log(8)])).toBeCloseTo(4, 13);
    expect(perplexityFromNll(Math.log(2) + Math.log(4) + Math.log(8), 3)).toBeCloseTo(4, 13);
    expect(perplexityFromMeanNll(0)).toBe(1);
  });

  it('matches exp() of the PyTorch losses of the shared GPT-2 fixtures (computed by Python math)', () => {
    expect(ref.losses.length).toBeGreaterThanOrEqual(9);
    ref.losses.forEach((l: number, i: number) => {
      expect(perplexityFromMeanNll(l)).toBeCloseTo(ref.perplexities[i], 9);
    });
    // perplexity of the concatenation (each loss as one "token") = exp(fsum / n)
    expect(perplexity(ref.losses)).toBeCloseTo(ref.perplexity_of_mean, 9);
    expect(perplexityFromNll(ref.fsum_mean * ref.losses.length, ref.losses.length)).toBeCloseTo(
      ref.perplexity_of_mean,
      9,
    );
  });

  it('compensated summation keeps a million small NLLs exact', () => {
    const nlls = new Float64Array(1_000_000).fill(0.1);
    expect(perplexity(nlls)).toBeCloseTo(Math.exp(0.1), 13);
  });

  it('rejects what is not a mean NLL', () => {
    expect(() => perplexityFromMeanNll(-1)).toThrow(/cannot be negative/);
    expect(() => perplexityFromMeanNll(Number.NaN)).toThrow(MetricInputError);
    expect(() => perplexityFromNll(3, 0)).toThrow(/tokenCount/);
    expect(() => perplexity([])).toThrow(/empty/);
  });
});
