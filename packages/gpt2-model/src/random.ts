/**
 * A seedable stream of integer seeds (mulberry32) for dropout masks and weight initialisation.
 * `state`/`restore` let gradient checkpointing replay exactly the masks of the first pass.
 */
export class SeedSequence {
  private s: number;
  constructor(seed: number = Math.floor(Math.random() * 2 ** 32)) {
    this.s = seed >>> 0;
  }
  /** The next seed: a positive 31-bit integer (tfjs treats 0 as "unseeded"). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % 0x7ffffffe) + 1;
  }
  /** Re-seeds the stream. */
  seed(seed: number): void {
    this.s = seed >>> 0;
  }
  get state(): number {
    return this.s;
  }
  restore(state: number): void {
    this.s = state >>> 0;
  }
}
