/**
 * Where UTF-8 goes wrong: the offset of the first byte that starts an ill-formed sequence, by the
 * WHATWG / Unicode rules the `TextDecoder` follows (no overlong forms, no surrogates, nothing past
 * U+10FFFF). Used only after a fatal decode failed, to say where.
 */

/** Index of the first byte of the first ill-formed sequence in `bytes` from `from`; -1 when all are well formed. */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0, allowTruncatedEnd = false): number {
  let i = from;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return allowTruncatedEnd ? -1 : i;
      const c = bytes[i + k]!;
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** `0xff 0xfe` — the bytes of an ill-formed sequence for a message (at most 4). */
export function hexBytes(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.subarray(at, at + 4))
    .slice(0, Math.max(1, sequenceLength(bytes, at)))
    .map((b) => `0x${b.toString(16).padStart(2, '0')}`)
    .join(' ');
}

function sequenceLength(bytes: Uint8Array, at: number): number {
  let k = 1;
  while (k < 4 && at + k < bytes.length && (bytes[at + k]! & 0xc0) === 0x80) k++;
  return k;
}
