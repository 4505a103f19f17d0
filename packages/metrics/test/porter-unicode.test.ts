import { describe, expect, it } from 'vitest';
import { PorterStemmer } from '../src/index.js';
import { readJson } from './inputs.js';

// NLTK works on Python strings (code points); these words hold characters outside the BMP, which
// are two UTF-16 code units in JavaScript. Expected stems: NLTK 3.8 itself (make_porter_unicode.py).
describe('Porter stemmer on characters outside the BMP (NLTK 3.8 counts code points)', () => {
  const ref = readJson<{ words: string[]; stems: Record<string, string[]> }>('nltk-porter-unicode.json');
  for (const mode of ['NLTK_EXTENSIONS', 'MARTIN_EXTENSIONS', 'ORIGINAL_ALGORITHM'] as const) {
    it(`${mode}: ${ref.words.length} words with emoji, mathematical letters and Deseret`, () => {
      const stemmer = new PorterStemmer(mode);
      const wrong = ref.words
        .map((w, i) => [w, stemmer.stem(w), ref.stems[mode]![i]] as const)
        .filter(([, got, want]) => got !== want);
      expect(wrong).toEqual([]);
    });
  }

  it("keeps a two-code-point word as NLTK does: stem('😀s') is '😀s'", () => {
    expect(new PorterStemmer().stem('😀s')).toBe('😀s');
    expect(new PorterStemmer().stem('a😀ing')).toBe(ref.stems.NLTK_EXTENSIONS![ref.words.indexOf('a😀ing')]);
  });
});
