/**
 * The Porter stemmer as NLTK implements it (`nltk.stem.porter.PorterStemmer`), in its three modes.
 * rouge-score uses `PorterStemmer()`, i.e. the default `NLTK_EXTENSIONS` mode. Ported from the
 * algorithm as NLTK 3.8 writes it (Apache-2.0), rule for rule, including the order in which rules
 * are tried and the "first matching suffix decides" behaviour.
 */

/** NLTK's three Porter modes. */
export type PorterMode = 'NLTK_EXTENSIONS' | 'MARTIN_EXTENSIONS' | 'ORIGINAL_ALGORITHM';

type Rule = [suffix: string, replacement: string, condition: ((stem: string) => boolean) | null];

const IRREGULAR: Record<string, string[]> = {
  sky: ['sky', 'skies'],
  die: ['dying'],
  lie: ['lying'],
  tie: ['tying'],
  news: ['news'],
  inning: ['innings', 'inning'],
  outing: ['outings', 'outing'],
  canning: ['cannings', 'canning'],
  howe: ['howe'],
  proceed: ['proceed'],
  exceed: ['exceed'],
  succeed: ['succeed'],
};
const POOL = new Map<string, string>();
for (const [key, forms] of Object.entries(IRREGULAR)) for (const f of forms) POOL.set(f, key);

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

/** A Porter stemmer; `stem(word)` is NLTK's `PorterStemmer(mode).stem(word)`. */
export class PorterStemmer {
  readonly mode: PorterMode;

  constructor(mode: PorterMode = 'NLTK_EXTENSIONS') {
    if (!['NLTK_EXTENSIONS', 'MARTIN_EXTENSIONS', 'ORIGINAL_ALGORITHM'].includes(mode)) {
      throw new Error(
        `mode is ${JSON.stringify(mode)}: must be NLTK_EXTENSIONS, MARTIN_EXTENSIONS or ORIGINAL_ALGORITHM`,
      );
    }
    this.mode = mode;
  }

  private isConsonant(word: string, i: number): boolean {
    const c = word[i]!;
    if (VOWELS.has(c)) return false;
    if (c === 'y') return i === 0 ? true : !this.isConsonant(word, i - 1);
    return true;
  }

  /** m: the number of VC sequences in the stem. */
  private measure(stem: string): number {
    let m = 0;
    let prevVowel = false;
    for (let i = 0; i < stem.length; i++) {
      const cons = this.isConsonant(stem, i);
      if (cons && prevVowel) m++;
      prevVowel = !cons;
    }
    return m;
  }

  private containsVowel(stem: string): boolean {
    for (let i = 0; i < stem.length; i++) if (!this.isConsonant(stem, i)) return true;
    return false;
  }

  private endsDoubleConsonant(word: string): boolean {
    const n = word.length;
    return n >= 2 && word[n - 1] === word[n - 2] && this.isConsonant(word, n - 1);
  }

  private endsCvc(word: string): boolean {
    const n = word.length;
    return (
      (n >= 3 &&
        this.isConsonant(word, n - 3) &&
        !this.isConsonant(word, n - 2) &&
        this.isConsonant(word, n - 1) &&
        !['w', 'x', 'y'].includes(word[n - 1]!)) ||
      (this.mode === 'NLTK_EXTENSIONS' && n === 2 && !this.isConsonant(word, 0) && this.isConsonant(word, 1))
    );
  }

  private applyRuleList(word: string, rules: Rule[]): string {
    for (const [suffix, replacement, condition] of rules) {
      if (suffix === '*d' && this.endsDoubleConsonant(word)) {
        const stem = word.slice(0, -2);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
      if (word.endsWith(suffix)) {
        const stem = suffix === '' ? word : word.slice(0, -suffix.length);
        return condition === null || condition(stem) ? stem + replacement : word;
      }
    }
    return word;
  }

  private step1a(word: string): string {
    if (this.mode === 'NLTK_EXTENSIONS' && word.endsWith('ies') && word.length === 4) {
      return word.slice(0, -3) + 'ie';
    }
    return this.applyRuleList(word, [
      ['sses', 'ss', null],
      ['ies', 'i', null],
      ['ss', 'ss', null],
      ['s', '', null],
    ]);
  }

  private step1b(word: string): string {
    if (this.mode === 'NLTK_EXTENSIONS' && word.endsWith('ied')) {
      return word.slice(0, -3) + (word.length === 4 ? 'ie' : 'i');
    }
    if (word.endsWith('eed')) {
      const stem = word.slice(0, -3);
      return this.measure(stem) > 0 ? stem + 'ee' : word;
    }
    let intermediate: string | undefined;
    for (const suffix of ['ed', 'ing']) {
      if (word.endsWith(suffix)) {
        const s = word.slice(0, -suffix.length);
        if (this.containsVowel(s)) {
          intermediate = s;
          break;
        }
      }
    }
    if (intermediate === undefined) return word;
    const last = intermediate[intermediate.length - 1]!;
    return this.applyRuleList(intermediate, [
      ['at', 'ate', null],
      ['bl', 'ble', null],
      ['iz', 'ize', null],
      ['*d', last, () => !['l', 's', 'z'].includes(last)],
      ['', 'e', (stem) => this.measure(stem) === 1 && this.endsCvc(stem)],
    ]);
  }

  private step1c(word: string): string {
    const condition =
      this.mode === 'NLTK_EXTENSIONS'
        ? (stem: string) => stem.length > 1 && this.isConsonant(stem, stem.length - 1)
        : (stem: string) => this.containsVowel(stem);
    return this.applyRuleList(word, [['y', 'i', condition]]);
  }

  private step2(word: string): string {
    const positive = (stem: string) => this.measure(stem) > 0;
    if (this.mode === 'NLTK_EXTENSIONS' && word.endsWith('alli') && positive(word.slice(0, -4))) {
      return this.step2(word.slice(0, -4) + 'al');
    }
    const rules: Rule[] = [
      ['ational', 'ate', positive],
      ['tional', 'tion', positive],
      ['enci', 'ence', positive],
      ['anci', 'ance', positive],
      ['izer', 'ize', positive],
      this.mode === 'ORIGINAL_ALGORITHM' ? ['abli', 'able', positive] : ['bli', 'ble', positive],
      ['alli', 'al', positive],
      ['entli', 'ent', positive],
      ['eli', 'e', positive],
      ['ousli', 'ous', positive],
      ['ization', 'ize', positive],
      ['ation', 'ate', positive],
      ['ator', 'ate', positive],
      ['alism', 'al', positive],
      ['iveness', 'ive', positive],
      ['fulness', 'ful', positive],
      ['ousness', 'ous', positive],
      ['aliti', 'al', positive],
      ['iviti', 'ive', positive],
      ['biliti', 'ble', positive],
    ];
    if (this.mode === 'NLTK_EXTENSIONS') {
      rules.push(['fulli', 'ful', positive]);
      // the 'l' of 'logi' -> 'log' stays with the stem, so short stems like 'geo' work
      rules.push(['logi', 'log', () => positive(word.slice(0, -3))]);
    }
    if (this.mode === 'MARTIN_EXTENSIONS') rules.push(['logi', 'log', positive]);
    return this.applyRuleList(word, rules);
  }

  private step3(word: string): string {
    const positive = (stem: string) => this.measure(stem) > 0;
    return this.applyRuleList(word, [
      ['icate', 'ic', positive],
      ['ative', '', positive],
      ['alize', 'al', positive],
      ['iciti', 'ic', positive],
      ['ical', 'ic', positive],
      ['ful', '', positive],
      ['ness', '', positive],
    ]);
  }

  private step4(word: string): string {
    const gt1 = (stem: string) => this.measure(stem) > 1;
    return this.applyRuleList(word, [
      ['al', '', gt1],
      ['ance', '', gt1],
      ['ence', '', gt1],
      ['er', '', gt1],
      ['ic', '', gt1],
      ['able', '', gt1],
      ['ible', '', gt1],
      ['ant', '', gt1],
      ['ement', '', gt1],
      ['ment', '', gt1],
      ['ent', '', gt1],
      ['ion', '', (stem) => this.measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t'))],
      ['ou', '', gt1],
      ['ism', '', gt1],
      ['ate', '', gt1],
      ['iti', '', gt1],
      ['ous', '', gt1],
      ['ive', '', gt1],
      ['ize', '', gt1],
    ]);
  }

  private step5a(word: string): string {
    if (word.endsWith('e')) {
      const stem = word.slice(0, -1);
      if (this.measure(stem) > 1) return stem;
      if (this.measure(stem) === 1 && !this.endsCvc(stem)) return stem;
    }
    return word;
  }

  private step5b(word: string): string {
    return this.applyRuleList(word, [['ll', 'l', () => this.measure(word.slice(0, -1)) > 1]]);
  }

  /**
   * Stems one word (lowercased first, as NLTK's `stem(word, to_lowercase=True)`). Lengths and
   * positions are counted in code points, as NLTK counts them in a Python string.
   */
  stem(word: string): string {
    const stem = word.toLowerCase();
    if (this.mode === 'NLTK_EXTENSIONS' && POOL.has(word)) return POOL.get(stem)!;
    if (this.mode !== 'ORIGINAL_ALGORITHM' && codePoints(word) <= 2) return stem;
    const narrowed = narrow(stem);
    if (narrowed) return narrowed.widen(this.steps(narrowed.text));
    return this.steps(stem);
  }

  private steps(stem: string): string {
    stem = this.step1a(stem);
    stem = this.step1b(stem);
    stem = this.step1c(stem);
    stem = this.step2(stem);
    stem = this.step3(stem);
    stem = this.step4(stem);
    stem = this.step5a(stem);
    stem = this.step5b(stem);
    return stem;
  }
}

function codePoints(word: string): number {
  let n = 0;
  for (const _ of word) n++;
  return n;
}

/**
 * NLTK indexes a Python string by code point, JavaScript by UTF-16 code unit, so a character
 * outside the BMP (two code units) would count twice. The rules only ask whether a character is a
 * vowel (or `y`), whether two characters are equal, and how many there are; so each such character
 * is swapped for a one-unit stand-in from the Private Use Area that the word does not contain (a
 * consonant, equal only to itself, like the original), the rules run, and `widen` swaps back.
 * Undefined when the word has no such character.
 */
function narrow(word: string): { text: string; widen: (s: string) => string } | undefined {
  if (!/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(word)) return undefined;
  const present = new Set(word);
  const standIn = new Map<string, string>();
  const original = new Map<string, string>();
  let next = 0xe000;
  let text = '';
  for (const ch of word) {
    if (ch.length === 1) {
      text += ch;
      continue;
    }
    let s = standIn.get(ch);
    if (s === undefined) {
      while (present.has(String.fromCharCode(next))) next++;
      s = String.fromCharCode(next++);
      standIn.set(ch, s);
      original.set(s, ch);
    }
    text += s;
  }
  return { text, widen: (s) => Array.from(s, (c) => original.get(c) ?? c).join('') };
}
