import { describe, expect, it } from 'vitest';
import { compareCodePoints, pyFixed, pyRstrip, pySplit, pyStrip } from '../src/python-compat.js';

describe('Python string semantics', () => {
  it('split() splits on Python whitespace (incl. U+001C–U+001F, U+0085; not U+FEFF)', () => {
    expect(pySplit('  a\tb\x1cc\x85d\u3000e  ')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pySplit('a\ufeffb')).toEqual(['a\ufeffb']);
    expect(pySplit('')).toEqual([]);
    expect(pyRstrip('x \x1f\n')).toBe('x');
    expect(pyStrip('\x85\u3000 x y \t')).toBe('x y');
    expect(pyStrip('\ufeffx')).toBe('\ufeffx');
  });

  it('format(x, ".nf") rounds exact ties to even like Python', () => {
    expect(pyFixed(0.125, 2)).toBe('0.12'); // 0.125 is exact in binary: a tie
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(2.5, 0)).toBe('2');
    expect(pyFixed(-0.125, 2)).toBe('-0.12');
    expect(pyFixed(0.15, 1)).toBe('0.1'); // 0.15 is really 0.1499999…
    expect(pyFixed(12.3456, 3)).toBe('12.346');
  });

  it('sorts by code point like Python', () => {
    const s = ['\uff21', '\u{1F600}', 'b', 'B'];
    expect([...s].sort(compareCodePoints)).toEqual(['B', 'b', '\uff21', '\u{1F600}']);
  });
});
