/**
 * IEEE half (F16) and bfloat16 (BF16) conversions, exact in both directions:
 * decoding is exact (every half/bfloat16 value is a float32), encoding rounds float32 to the
 * nearest representable value with ties to even, like PyTorch's `tensor.half()` / `.bfloat16()`.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Lookup table: F16 bit pattern → float32 value (65536 entries, built on first use). */
let f16Table: Float32Array | undefined;

/** Decodes one F16 bit pattern to its exact float32 value (subnormals, ±inf and NaN included). */
export function f16BitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The 65536-entry decoding table for F16 (exact float32 values). */
export function f16Table16(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToFloat(h);
  }
  return f16Table;
}

/** Decodes one BF16 bit pattern (the top 16 bits of a float32). */
export function bf16BitsToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/**
 * Encodes a number (first rounded to float32) as F16 bits, rounding to nearest with ties to even.
 * Values beyond the half range become ±inf, NaN stays a (quiet) NaN keeping its sign.
 */
export function floatToF16Bits(value: number): number {
  f32[0] = value;
  return f32BitsToF16Bits(u32[0]!);
}

/** {@link floatToF16Bits} on the bit pattern of a float32 (fast path for whole arrays). */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // inf or NaN; keep NaN quiet and non-zero.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 127 + 15; // rebiased exponent
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    // Subnormal half (or zero): value = m * 2^-24 with m = round(|x| * 2^24).
    if (e < -10) return sign; // below half the smallest subnormal → ±0 (2^-25 itself ties to 0)
    const m = mant | 0x800000; // implicit leading bit, 24 bits
    const shift = 14 - e; // bits to drop: 13 + (1 - e)
    const halfway = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let q = m >>> shift;
    if (rest > halfway || (rest === halfway && q & 1)) q += 1;
    return sign | q; // q may carry into the exponent field (smallest normal): still right
  }
  let bits = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && bits & 1)) bits += 1; // may carry to inf: right
  return sign | bits;
}

/** Encodes a number (first rounded to float32) as BF16 bits, nearest-even; NaN stays NaN. */
export function floatToBf16Bits(value: number): number {
  f32[0] = value;
  return f32BitsToBf16Bits(u32[0]!);
}

/** {@link floatToBf16Bits} on the bit pattern of a float32 (fast path for whole arrays). */
export function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) {
    return ((x >>> 16) & 0xffff) | 0x40; // quiet NaN, sign kept
  }
  const lsb = (x >>> 16) & 1;
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}
