import { mulberry32 } from '../random.js';

// Conformance inputs come from the seeded mulberry32, so they are the same on every run.

/** `n` numbers uniform in [lo, hi), from `seed`. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** `n` integers uniform in [0, max), from `seed`. */
export function integers(n: number, seed: number, max: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => Math.floor(r() * max));
}
