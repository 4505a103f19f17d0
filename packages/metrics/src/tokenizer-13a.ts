/**
 * sacreBLEU's `13a` tokenizer (`Tokenizer13a` + `TokenizerRegexp`): the tokenization of
 * mteval-v13a.pl, the WMT standard.
 */
import { pySplit } from './python-compat.js';

// ([\{-\~\[-\` -\&\(-\+\:-\@\/]): { to ~, [ to `, space to &, ( to +, : to @, and /
const PUNCT = /([{-~[-`\x20-&(-+:-@/])/gu;
// period and comma unless preceded by a digit
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/gu;
// period and comma unless followed by a digit
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/gu;
// dash when preceded by a digit
const DASH_AFTER_DIGIT = /([0-9])(-)/gu;

/**
 * sacreBLEU's `TokenizerRegexp`, the language-dependent (Western) part that `13a` and `zh` share:
 * split off punctuation and symbols, periods and commas unless next to a digit, a dash after a
 * digit; single spaces.
 */
export function tokenizeRegexp(line: string): string {
  line = line.replace(PUNCT, ' $1 ');
  line = line.replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ');
  line = line.replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2');
  line = line.replace(DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(line).join(' ');
}

/**
 * Tokenizes a line as sacreBLEU's default `13a` tokenizer does and returns the tokens joined by
 * single spaces.
 *
 * @example
 * tokenize13a('Hello, world! It costs $5.50.') // 'Hello , world ! It costs $ 5.50 .'
 */
export function tokenize13a(line: string): string {
  line = line.replaceAll('<skipped>', '');
  line = line.replaceAll('-\n', '');
  line = line.replaceAll('\n', ' ');
  if (line.includes('&')) {
    line = line.replaceAll('&quot;', '"');
    line = line.replaceAll('&amp;', '&');
    line = line.replaceAll('&lt;', '<');
    line = line.replaceAll('&gt;', '>');
  }
  return tokenizeRegexp(` ${line} `);
}
