import { SeededRandom } from '@gptft/backend';

/** 2^53: the stream's position is an integer below it, so its state is one JSON number. */
const SPAN = 2 ** 53;
/** The Weyl increment ⌊2^53 / φ⌋ (odd, so the positions repeat only after 2^53 draws). */
const STEP = 5566755282872655;

/**
 * A stream of integer seeds for dropout masks and weight initialisation, drawn from gptft's one
 * generator (`SeededRandom` in `@gptft/backend`). Each `next()` is a positive 31-bit integer for a
 * tfjs op's `seed` argument (tfjs treats 0 as "unseeded").
 *
 * The stream is counter-based: its state is a position `s` in [0, 2^53) that advances by a fixed
 * odd step (a Weyl sequence), and each seed is the first output of `SeededRandom(s)` (SplitMix64
 * seeding, then xoshiro128**). So the whole state is one number: `state` / `restore` save and
 * replay the stream — gradient checkpointing replays the dropout masks of the first pass, a
 * resumed training run continues the masks where its checkpoint left them.
 */
export class SeedStream {
  private s: number;

  /** @param seed any integer (taken modulo 2^53); a random one when absent. */
  constructor(seed: number = Math.floor(Math.random() * 2 ** 32)) {
    this.s = position(seed);
  }

  /** The next seed, in [1, 2^31 − 2]. */
  next(): number {
    // s + STEP (mod 2^53) without leaving the exactly representable integers
    this.s = this.s < SPAN - STEP ? this.s + STEP : this.s - (SPAN - STEP);
    return (new SeededRandom(this.s).nextUint32() % 0x7ffffffe) + 1;
  }

  /** Re-seeds the stream. */
  seed(seed: number): void {
    this.s = position(seed);
  }

  /** The current position (one number, JSON-serialisable). */
  get state(): number {
    return this.s;
  }

  /** Continues from a position saved with {@link state}. */
  restore(state: number): void {
    this.s = position(state);
  }
}

function position(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`SeedStream: seed must be a safe integer, got ${n}`);
  const r = n % SPAN; // exact for safe integers
  return r < 0 ? r + SPAN : r;
}
