/**
 * GPT-2's reversible map between UTF-8 bytes and printable Unicode characters (OpenAI's
 * `bytes_to_unicode`): BPE vocabularies store tokens as strings of these characters, so a space
 * byte is `Ġ` (U+0120) and a newline is `Ċ` (U+010A).
 */

function buildByteToChar(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const out = new Array<string>(256);
  for (let i = 0; i < bs.length; i++) out[bs[i]] = String.fromCharCode(cs[i]);
  return out;
}

/** `BYTE_TO_CHAR[b]` is the character that stands for byte `b` in a byte-level vocabulary. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Inverse of {@link BYTE_TO_CHAR}: char code → byte, or -1 for characters that stand for no byte. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(512).fill(-1);
  BYTE_TO_CHAR.forEach((ch, b) => {
    table[ch.charCodeAt(0)] = b;
  });
  return table;
})();

/** The byte-level string of some UTF-8 bytes (`" hi"` → `"Ġhi"`). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/**
 * The bytes a byte-level token string stands for, or `undefined` when the string contains a
 * character outside the 256 byte characters (such a vocabulary entry is not a byte-level token).
 */
export function byteLevelToBytes(token: string): Uint8Array | undefined {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const b = code < 512 ? CHAR_TO_BYTE[code] : -1;
    if (b < 0) return undefined;
    out[i] = b;
  }
  return out;
}
