/**
 * GPT-2's pre-tokenization: the text is cut into chunks by OpenAI's regular expression
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` and BPE runs inside
 * each chunk only.
 *
 * OpenAI ran that pattern with Python's `regex` module, whose `\s` is Unicode's White_Space
 * property. JavaScript's `\s` differs in two code points (it adds U+FEFF and lacks U+0085), so the
 * pattern here spells the White_Space set out to give exactly GPT-2's chunks.
 */

/** Unicode White_Space (Python `regex`'s `\s`), as a character-class body. */
export const WHITE_SPACE_CLASS =
  '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** OpenAI's GPT-2 pattern, as its source (see {@link GPT2_SPLIT_REGEX}). */
export const GPT2_SPLIT_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+" +
  `| ?[^${WHITE_SPACE_CLASS}\\p{L}\\p{N}]+|[${WHITE_SPACE_CLASS}]+(?![^${WHITE_SPACE_CLASS}])|[${WHITE_SPACE_CLASS}]+`;

/** OpenAI's GPT-2 pre-tokenization regex with Python `regex` semantics (global, unicode). */
export const GPT2_SPLIT_REGEX = new RegExp(GPT2_SPLIT_PATTERN, 'gu');

/**
 * Code points where JavaScript's `\s` and Python `regex`'s `\s` disagree. Text without them
 * pre-tokenizes the same under the plain JavaScript pattern (as gpt-tokenizer uses).
 */
export const JS_WHITESPACE_MISMATCH = /[\u0085\ufeff]/;

/** Start offsets (UTF-16 indices) and the chunks GPT-2's regex cuts `text` into. */
export function pretokenize(text: string): { chunks: string[]; starts: number[] } {
  const chunks: string[] = [];
  const starts: number[] = [];
  const re = new RegExp(GPT2_SPLIT_REGEX);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    chunks.push(m[0]);
    starts.push(m.index);
  }
  return { chunks, starts };
}
