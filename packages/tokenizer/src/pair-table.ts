/**
 * An open-addressing hash table from a pair of small non-negative integers to a non-negative
 * integer: the merge ranks of a BPE model, looked up in its inner loop. Faster than a `Map` with
 * composite keys because nothing is allocated per lookup.
 */
export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keysA = new Int32Array(capacity).fill(-1);
    this.keysB = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x5bd1e995, 0x85ebca77);
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** The value stored for `(a, b)`, or -1. */
  get(a: number, b: number): number {
    const keysA = this.keysA;
    let i = this.slot(a, b);
    for (;;) {
      const ka = keysA[i];
      if (ka === -1) return -1;
      if (ka === a && this.keysB[i] === b) return this.values[i];
      i = (i + 1) & this.mask;
    }
  }

  /** Stores `value` for `(a, b)`, replacing an earlier value. */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.keysA.length) this.grow();
    let i = this.slot(a, b);
    for (;;) {
      const ka = this.keysA[i];
      if (ka === -1) {
        this.keysA[i] = a;
        this.keysB[i] = b;
        this.values[i] = value;
        this.count++;
        return;
      }
      if (ka === a && this.keysB[i] === b) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { keysA, keysB, values } = this;
    const capacity = keysA.length * 2;
    this.keysA = new Int32Array(capacity).fill(-1);
    this.keysB = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < keysA.length; i++) if (keysA[i] !== -1) this.set(keysA[i], keysB[i], values[i]);
  }
}
