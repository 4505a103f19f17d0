/**
 * Character offsets of tokens. A token is a run of UTF-8 bytes; its offsets are UTF-16 indices
 * into the JavaScript string (`text.slice(start, end)`), equal to HF's code-point offsets when the
 * text has no characters outside the Basic Multilingual Plane (emoji and the like count 2 here).
 *
 * A token that covers only part of a character's bytes (byte-level BPE splits rare characters,
 * e.g. 🤖 is 3 tokens) is given the whole character: its span starts at the character holding its
 * first byte and ends after the character holding its last byte, as HF's fast tokenizers do. The
 * tokens of one split character therefore share that character's span.
 */

/** UTF-8 length of the code point at UTF-16 index `i`, and how many UTF-16 units it takes. */
function charAt(text: string, i: number): { bytes: number; units: number } {
  const c = text.charCodeAt(i);
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) return { bytes: 4, units: 2 };
  }
  // Other BMP characters, and lone surrogates (which TextEncoder writes as U+FFFD, 3 bytes).
  return { bytes: 3, units: 1 };
}

/**
 * Spans of consecutive tokens that together encode `text` (a pre-tokenized chunk).
 * `tokenBytes[k]` is token k's byte length; `base` is added to every offset. With `trim`, spaces
 * at the ends of a token are left out of its span (HF's `trim_offsets`, which HF's GPT-2 leaves
 * off): `" world"` then gets the span of `world`; a token of spaces only gets an empty span at its
 * end.
 */
export function tokenSpans(
  text: string,
  tokenBytes: readonly Uint8Array[],
  base: number,
  trim: boolean,
  out: [number, number][],
): void {
  let ci = 0; // UTF-16 index of the current character
  let cb = 0; // byte offset where it starts
  let pos = 0; // byte offset where the next token starts
  for (const bytes of tokenBytes) {
    const b0 = pos;
    const b1 = pos + bytes.length;
    pos = b1;
    for (;;) {
      if (ci >= text.length) break;
      const c = charAt(text, ci);
      if (cb + c.bytes > b0) break;
      cb += c.bytes;
      ci += c.units;
    }
    let start = ci;
    let end = ci;
    let eb = cb;
    while (eb < b1 && end < text.length) {
      const c = charAt(text, end);
      eb += c.bytes;
      end += c.units;
    }
    if (trim) {
      let lead = 0;
      while (lead < bytes.length && bytes[lead] === 0x20) lead++;
      let tail = 0;
      while (tail < bytes.length - lead && bytes[bytes.length - 1 - tail] === 0x20) tail++;
      if (lead === bytes.length) {
        start = end; // only spaces
      } else {
        start = Math.min(start + lead, end);
        end = Math.max(end - tail, start);
      }
    }
    out.push([base + start, base + end]);
  }
}
