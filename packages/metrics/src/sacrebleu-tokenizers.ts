/**
 * sacreBLEU's other tokenizers (`sacrebleu/tokenizers/`, v2.6.0): `intl` (mteval-v14 international),
 * `zh` (Chinese characters split, the rest as `13a`), `char` (every character) and `none`. The
 * model-based ones (`ja-mecab`, `ko-mecab`, `spm`, `flores101`, `flores200`) need external models
 * and are not provided.
 */
import { MetricInputError } from './errors.js';
import { pySplit, pyStrip } from './python-compat.js';
import { tokenize13a, tokenizeRegexp } from './tokenizer-13a.js';

/** The tokenizers of sacreBLEU's BLEU that this package provides. */
export type SacrebleuTokenizerName = '13a' | 'intl' | 'zh' | 'char' | 'none';

// TokenizerV14International: \P{N}\p{P} and \p{P}\P{N} get spaces around the punctuation; every
// symbol \p{S} gets spaces around it. The `regex` module's Unicode properties match JavaScript's.
const PUNCT_AFTER_NON_DIGIT = /(\P{N})(\p{P})/gu;
const PUNCT_BEFORE_NON_DIGIT = /(\p{P})(\P{N})/gu;
const SYMBOL = /(\p{S})/gu;

/**
 * sacreBLEU's `intl` tokenizer (`TokenizerV14International`, mteval-v14.pl's international
 * tokenization): punctuation is split off unless it sits between digits, symbols always are.
 *
 * @example
 * tokenizeIntl('Hello, world! 1,000.5 «ok»') // 'Hello , world ! 1,000.5 « ok »'
 */
export function tokenizeIntl(line: string): string {
  line = line.replace(PUNCT_AFTER_NON_DIGIT, '$1 $2 ');
  line = line.replace(PUNCT_BEFORE_NON_DIGIT, ' $1 $2');
  line = line.replace(SYMBOL, ' $1 ');
  return pySplit(line).join(' ');
}

/**
 * sacreBLEU's `char` tokenizer (`TokenizerChar`): every character (code point) becomes a token.
 * Whitespace characters become tokens too and then vanish in the whitespace split, as in sacreBLEU.
 */
export function tokenizeChar(line: string): string {
  return Array.from(line).join(' ');
}

/**
 * `TokenizerZh._UCODE_RANGES`, compared as Python compares *strings*: sacreBLEU writes the
 * supplementary-plane ranges as `'\u20000'`, which Python reads as U+2000 followed by "0". A
 * character c then satisfies `'\u20000' <= c <= '\u2a6d6'` exactly when U+2000 < c <= U+2A6D, and
 * `'\u2f800' <= c <= '\u2fa1d'` when U+2F80 < c <= U+2FA1. We keep that behaviour (it splits
 * curly quotes, dashes and arrows like Chinese characters) because it is what sacreBLEU computes;
 * characters outside the Basic Multilingual Plane are never split.
 */
const ZH_RANGES: readonly (readonly [number, number])[] = [
  [0x3400, 0x4db5],
  [0x4e00, 0x9fa5],
  [0x9fa6, 0x9fbb],
  [0xf900, 0xfa2d],
  [0xfa30, 0xfa6a],
  [0xfa70, 0xfad9],
  [0x2001, 0x2a6d], // '\u20000' … '\u2a6d6' as Python string comparison
  [0x2f81, 0x2fa1], // '\u2f800' … '\u2fa1d' as Python string comparison
  [0xff00, 0xffef],
  [0x2e80, 0x2eff],
  [0x3000, 0x303f],
  [0x31c0, 0x31ef],
  [0x2f00, 0x2fdf],
  [0x2ff0, 0x2fff],
  [0x3100, 0x312f],
  [0x31a0, 0x31bf],
  [0xfe10, 0xfe1f],
  [0xfe30, 0xfe4f],
  [0x2600, 0x26ff],
  [0x2700, 0x27bf],
  [0x3200, 0x32ff],
  [0x3300, 0x33ff],
];

/** Whether sacreBLEU's `zh` tokenizer treats the code point as a Chinese character. */
export function isZhChar(codePoint: number): boolean {
  for (const [lo, hi] of ZH_RANGES) if (codePoint >= lo && codePoint <= hi) return true;
  return false;
}

/**
 * sacreBLEU's `zh` tokenizer (`TokenizerZh`): strip, put spaces around every Chinese character
 * (see {@link isZhChar}), then tokenize the rest like `13a`'s regular expressions (without 13a's
 * `<skipped>`/entity handling).
 *
 * @example
 * tokenizeZh('我们在2020年去了北京。') // '我 们 在 2020 年 去 了 北 京 。'
 */
export function tokenizeZh(line: string): string {
  let out = '';
  for (const ch of pyStrip(line)) out += isZhChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
  return tokenizeRegexp(out);
}

/** The tokenizer function for a sacreBLEU tokenizer name (throws for names not provided). */
export function sacrebleuTokenizer(name: string): (line: string) => string {
  switch (name) {
    case '13a':
      return tokenize13a;
    case 'intl':
      return tokenizeIntl;
    case 'zh':
      return tokenizeZh;
    case 'char':
      return tokenizeChar;
    case 'none':
      return (line) => line;
    default:
      throw new MetricInputError(
        `tokenize is ${JSON.stringify(name)}: must be '13a', 'intl', 'zh', 'char' or 'none' ` +
          "(sacreBLEU's model-based 'ja-mecab', 'ko-mecab', 'spm', 'flores101', 'flores200' are not provided)",
      );
  }
}
