import { describe, expect, it } from 'vitest';
import {
  containsFact,
  factAccuracy,
  isFactCorrect,
  MetricInputError,
  normalizeFactText,
} from '../src/index.js';

describe('fact accuracy', () => {
  it('normalizes case, Unicode compatibility forms and whitespace', () => {
    expect(normalizeFactText('  The  Copper\tKettle\n costs $34.50. ')).toBe(
      'the copper kettle costs $34.50.',
    );
    expect(normalizeFactText('ＡＢＣ １２')).toBe('abc 12'); // NFKC: full-width letters and digits
    expect(normalizeFactText('MiXeD', { ignoreCase: false })).toBe('MiXeD');
  });

  it('finds a fact inside a sentence, case-insensitively, across line breaks', () => {
    expect(containsFact('The copper kettle costs $34.50.', '$34.50')).toBe(true);
    expect(containsFact('On Friday we are open from 9 AM to 6 PM.', '9 am to 6 pm')).toBe(true);
    expect(containsFact('Standard shipping takes 3 to 5\nbusiness days.', '3 to 5 business days')).toBe(true);
    expect(
      containsFact('On Friday we are open from 9 AM to 6 PM.', '9 am to 6 pm', { ignoreCase: false }),
    ).toBe(false);
  });

  it('does not count a fact glued to more letters or digits', () => {
    expect(containsFact('We have 112 left.', '12 left')).toBe(false); // digit before
    expect(containsFact('It costs $4.95.', '$4.9')).toBe(false); // digit after
    expect(containsFact('We are unclosed', 'closed')).toBe(false);
    expect(containsFact('Shipping is free on orders over $50.', '$50')).toBe(true); // '.' ends it
    expect(containsFact('$50.00', '$50')).toBe(true); // '.' is not a letter or digit
    expect(containsFact('12 left, 112 left', '12 left')).toBe(true); // the first match is whole
    expect(containsFact('112 left, 12 left', '12 left')).toBe(true); // a later match is
    expect(containsFact('x-12', '-12')).toBe(true); // the fact starts with '-': no bound there
  });

  it('needs every fact of a list', () => {
    expect(isFactCorrect('We accept Visa, Mastercard and cash.', ['Visa', 'cash'])).toBe(true);
    expect(isFactCorrect('We accept Visa and cash.', ['Visa', 'PayPal'])).toBe(false);
    expect(
      isFactCorrect('Sorry, it is out of stock. More arrive on June 14.', ['out of stock', 'June 14']),
    ).toBe(true);
  });

  it('is the share of right replies (hand-counted)', () => {
    const predictions = [
      'The copper kettle costs $34.50.',
      'We have 112 left.',
      'We accept Visa and PayPal.',
      'I do not know.',
    ];
    const references = ['$34.50', '12 left', ['visa', 'paypal'], 'closed'];
    expect(factAccuracy(predictions, references)).toBe(0.5);
    expect(factAccuracy(['a b'], ['a b'])).toBe(1);
  });

  it('agrees with a regular-expression formulation on every reply/fact pair of a grid', () => {
    // The same definition written differently: lookarounds instead of the index scan.
    const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const viaRegex = (p: string, f: string) => {
      const n = normalizeFactText(f);
      const start = /^[\p{L}\p{N}]/u.test(n) ? '(?<![\\p{L}\\p{N}])' : '';
      const end = /[\p{L}\p{N}]$/u.test(n) ? '(?![\\p{L}\\p{N}])' : '';
      return new RegExp(start + escapeRegex(n) + end, 'u').test(normalizeFactText(p));
    };
    const replies = [
      'The copper kettle costs $34.50.',
      'We have 12 left; 112 were sold.',
      'Order A1042 was shipped on May 3.',
      'Order A10423 was shipped on May 31.',
      'You can call us at 555-0142.',
      'Sorry, we are closed on Sunday.',
      'open 9 am to 6 pm',
      '',
    ];
    const facts = [
      '$34.50',
      '12 left',
      'A1042',
      'May 3',
      '555-0142',
      'closed',
      '9 am to 6 pm',
      '$34',
      '2 left',
      'pm',
    ];
    let checked = 0;
    for (const p of replies) {
      for (const f of facts) {
        expect(containsFact(p, f), `${JSON.stringify(p)} / ${f}`).toBe(viaRegex(p, f));
        checked++;
      }
    }
    expect(checked).toBe(80);
  });

  it('names bad input', () => {
    expect(() => factAccuracy(['a'], ['a', 'b'])).toThrow(/1 predictions but 2 references/);
    expect(() => factAccuracy([], [])).toThrow(MetricInputError);
    expect(() => factAccuracy(['a', 'b'], ['a', []])).toThrow(/references\[1\] has no fact/);
    expect(() => factAccuracy(['a'], [' '])).toThrow(/references\[0\]/);
    expect(() => containsFact('a', '')).toThrow(MetricInputError);
  });
});
