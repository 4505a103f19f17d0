/**
 * The part of NumPy's legacy global random generator (`np.random.seed`, `np.random.choice`) that
 * rouge-score's bootstrap aggregator uses: MT19937 with `init_genrand` seeding and NumPy's masked
 * rejection sampling for bounded integers. With the same seed it draws the same numbers as
 * `np.random.seed(seed); np.random.choice(np.arange(n), size=n)` in NumPy ≥ 1.17 (which kept the
 * legacy stream). This is not a general-purpose RNG for gptft (that is `SeededRandom` in
 * `@gptft/backend`); it exists to reproduce NumPy's stream number for number.
 */
import { MetricInputError } from './errors.js';

const N = 624;
const M = 397;

/** `numpy.random.RandomState(seed)` restricted to what the bootstrap needs. */
export class NumpyRandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;

  /** `seed` is an integer in [0, 2^32), as `np.random.seed` requires. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new MetricInputError(`seed is ${seed}: must be an integer between 0 and 2**32 - 1`);
    }
    // mt19937_seed (init_genrand)
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.pos = N;
  }

  private generate(): void {
    const k = this.key;
    for (let i = 0; i < N; i++) {
      const y = (k[i]! & 0x80000000) | (k[(i + 1) % N]! & 0x7fffffff);
      k[i] = k[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  /** `mt19937_next32`: the next 32-bit output (tempered). */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * `RandomState.randint(0, high, size)` (legacy masked rejection sampling, `high` ≤ 2^32): draw
   * 32 bits, keep the smallest all-ones mask covering `high - 1`, reject values above it.
   */
  randint(high: number, size: number): Int32Array {
    if (!Number.isInteger(high) || high < 1 || high > 0x100000000) {
      throw new MetricInputError(`high is ${high}: must be an integer in [1, 2**32]`);
    }
    const out = new Int32Array(size);
    const rng = high - 1;
    if (rng === 0) return out;
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (let i = 0; i < size; i++) {
      let v: number;
      do v = (this.nextUint32() & mask) >>> 0;
      while (v > rng);
      out[i] = v;
    }
    return out;
  }
}

/**
 * `np.percentile(values, q)` with the default `'linear'` method for one column (`q` in percent):
 * index `(n - 1) · q / 100` into the sorted values, interpolated as NumPy's `_lerp` does.
 */
export function npPercentile(values: readonly number[] | Float64Array, qPercent: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (Number.isNaN(sorted[n - 1]!)) return Number.NaN;
  const q = qPercent / 100;
  const virtual = (n - 1) * q;
  let prev = Math.floor(virtual);
  let next = prev + 1;
  if (virtual >= n - 1) {
    prev = n - 1;
    next = n - 1;
  } else if (virtual < 0) {
    prev = 0;
    next = 0;
  }
  const gamma = virtual - Math.floor(virtual);
  const a = sorted[prev]!;
  const b = sorted[next]!;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}
