/**
 * The one seeded pseudo-random generator of gptft: shuffles, splits, samplers, dropout seeds, init.
 *
 * Algorithm (fixed, so a seed gives the same order on every machine and release):
 * - **Generator:** xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c),
 *   128-bit state as four uint32 words, 32-bit outputs.
 * - **Seeding:** the seed (an integer, taken modulo 2^64) is the starting state of SplitMix64
 *   (https://prng.di.unimi.it/splitmix64.c); its first two 64-bit outputs give the state words
 *   `[lo(a), hi(a), lo(b), hi(b)]`.
 * - **Integers in [0, n):** rejection sampling: draw `r`, reject while `r < 2^32 mod n`, return `r mod n`
 *   (unbiased).
 * - **Shuffle:** Fisher–Yates from the end: for `i = n-1 … 1`, swap `a[i]` with `a[nextInt(i+1)]`.
 *
 * The state can be saved and restored ({@link SeededRandom.getState}) so that a resumed training run
 * continues the same stream.
 */
export class SeededRandom {
  private readonly s = new Uint32Array(4);

  /** @param seed any integer (number or bigint); it is reduced modulo 2^64. */
  constructor(seed: number | bigint) {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new Error(`seed must be a safe integer, got ${seed}`);
    }
    const M = (1n << 64n) - 1n;
    let x = BigInt.asUintN(64, BigInt(seed));
    const next = (): bigint => {
      x = (x + 0x9e3779b97f4a7c15n) & M;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
      return z ^ (z >> 31n);
    };
    const a = next();
    const b = next();
    this.s[0] = Number(a & 0xffffffffn);
    this.s[1] = Number(a >> 32n);
    this.s[2] = Number(b & 0xffffffffn);
    this.s[3] = Number(b >> 32n);
  }

  /** A generator continuing from a state saved with {@link getState}. */
  static fromState(state: readonly number[]): SeededRandom {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error('SeededRandom state must be four uint32 words');
    }
    if (state.every((w) => w === 0)) throw new Error('SeededRandom state must not be all zero');
    const r = new SeededRandom(0);
    r.s.set(state);
    return r;
  }

  /** The current state (four uint32 words), JSON-serializable. */
  getState(): [number, number, number, number] {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits (two draws: the high 27 bits of the first, 26 of the second). */
  nextFloat(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** An unbiased integer in [0, n), 1 ≤ n ≤ 2^32. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000)
      throw new Error(`nextInt bound must be in [1, 2^32], got ${n}`);
    const threshold = (0x100000000 - n) % n;
    for (;;) {
      const r = this.nextUint32();
      if (r >= threshold) return r % n;
    }
  }

  /** Shuffles `array` in place (Fisher–Yates, see the class notes) and returns it. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random permutation of `0 … n-1` (the identity shuffled). */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * mulberry32: a small seeded pseudo-random generator returning numbers in [0, 1), so that anything
 * drawn with a `seed` (sampling in generation, shuffles, conformance inputs) is reproducible.
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
