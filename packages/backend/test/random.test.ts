import { describe, expect, it } from 'vitest';
import { mulberry32, SeededRandom } from '../src/index.js';

describe('mulberry32', () => {
  it('is reproducible per seed, in [0, 1), and roughly uniform', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(new Set(xs).size).toBeGreaterThan(9_990);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });

  it('treats the seed as an unsigned 32-bit integer', () => {
    expect(mulberry32(2 ** 32 + 5)()).toBe(mulberry32(5)());
    expect(mulberry32(-1)()).toBe(mulberry32(2 ** 32 - 1)());
  });
});

describe('SeededRandom (xoshiro128** seeded by SplitMix64)', () => {
  // Reference values printed by test/reference/xoshiro128ss.c, an independent C implementation
  // of the published algorithms (build: cc -O2 -o /tmp/x xoshiro128ss.c && /tmp/x).
  it('matches the C reference: seeding, outputs, bounded ints, Fisher–Yates', () => {
    const cases: Array<[number, number[], number[]]> = [
      [
        0,
        [2065550767, 3793791033, 2713282036, 1853398634],
        [3737715805, 2584255861, 2876756834, 3286328325, 1553311962],
      ],
      [
        42,
        [803958421, 3184996902, 2993090819, 686809907],
        [1776835114, 4165204688, 17111135, 2317295270, 2792088233],
      ],
      [
        1234567890123,
        [1473054936, 2586131605, 2873846634, 329569217],
        [1171462281, 1541205376, 2100343739, 1966433354, 2824297952],
      ],
    ];
    for (const [seed, state, outputs] of cases) {
      const rng = new SeededRandom(seed);
      expect(rng.getState()).toEqual(state);
      expect(Array.from({ length: 5 }, () => rng.nextUint32())).toEqual(outputs);
    }
    expect(new SeededRandom(42).permutation(10)).toEqual([1, 0, 9, 6, 2, 5, 3, 7, 8, 4]);
    const r7 = new SeededRandom(7);
    expect(Array.from({ length: 8 }, () => r7.nextInt(3))).toEqual([2, 1, 2, 2, 0, 1, 1, 0]);
  });

  it('saves and restores its state; floats lie in [0, 1)', () => {
    const a = new SeededRandom(5);
    a.nextUint32();
    const b = SeededRandom.fromState(a.getState());
    expect(Array.from({ length: 4 }, () => b.nextUint32())).toEqual(
      Array.from({ length: 4 }, () => a.nextUint32()),
    );
    const f = Array.from({ length: 1000 }, () => a.nextFloat());
    expect(Math.min(...f)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...f)).toBeLessThan(1);
    expect(() => new SeededRandom(0.5)).toThrow('seed must be a safe integer');
  });
});
