/** A small seeded generator (mulberry32), so conformance inputs are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` numbers uniform in [lo, hi), from `seed`. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** `n` integers uniform in [0, max), from `seed`. */
export function integers(n: number, seed: number, max: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => Math.floor(r() * max));
}
