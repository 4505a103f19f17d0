import { describe, expect, it } from 'vitest';
import {
  type ChrfOptions,
  MetricInputError,
  type TerOptions,
  chrfFromStats,
  corpusChrf,
  corpusTer,
  sentenceChrf,
  sentenceTer,
  tokenizeTercom,
  translationEditRate,
} from '../src/index.js';
import { pyRstrip } from '../src/python-compat.js';
import {
  DATA,
  FIXTURES,
  breathe,
  close,
  dropEvery,
  needsData,
  readJson,
  readLines,
  swapHalves,
} from './inputs.js';

const ref = readJson('sacrebleu.json.gz');

type Refs = (string | null)[][];
interface Case<O> {
  name: string;
  hyps: string[];
  refs: Refs;
  opts: O;
}

/** reference/make_reference.py sacrebleu_reference cases(): the chrF and TER parts. */
function cases(refText: string[], other: string[], unrelated: string[]) {
  const n = refText.length;
  const drop7 = refText.map((l) => dropEvery(l, 7));
  const drop5 = refText.map((l) => dropEvery(l, 5));
  const variable = drop5.map((r, i) => (i % 3 === 0 ? null : r));
  const unrel = unrelated.slice(0, n);
  const other7 = other.map((l) => dropEvery(l, 7));
  const chrf: Case<ChrfOptions>[] = [
    { name: 'drop7_vs_ref', hyps: drop7, refs: [refText], opts: {} },
    { name: 'unrelated_vs_ref', hyps: unrel, refs: [refText], opts: {} },
    { name: 'drop7_vs_ref_pp', hyps: drop7, refs: [refText], opts: { wordOrder: 2 } },
    { name: 'unrelated_vs_ref_pp', hyps: unrel, refs: [refText], opts: { wordOrder: 2 } },
    { name: 'drop7_vs_ref_beta1', hyps: drop7, refs: [refText], opts: { beta: 1 } },
    {
      name: 'drop7_vs_ref_beta3_nc4_nw1',
      hyps: drop7,
      refs: [refText],
      opts: { beta: 3, charOrder: 4, wordOrder: 1 },
    },
    { name: 'unrelated_vs_ref_lowercase', hyps: unrel, refs: [refText], opts: { lowercase: true } },
    { name: 'drop7_vs_ref_whitespace', hyps: drop7, refs: [refText], opts: { whitespace: true } },
    { name: 'unrelated_vs_ref_eps', hyps: unrel, refs: [refText], opts: { epsSmoothing: true } },
    {
      name: 'unrelated_vs_ref_pp_eps',
      hyps: unrel,
      refs: [refText],
      opts: { wordOrder: 2, epsSmoothing: true },
    },
    { name: 'drop7_vs_ref_drop5', hyps: drop7, refs: [refText, drop5], opts: {} },
    {
      name: 'drop7_vs_ref_drop5_variable_pp',
      hyps: drop7,
      refs: [refText, variable],
      opts: { wordOrder: 2 },
    },
    { name: 'drop7_vs_other_pp', hyps: other7, refs: [other], opts: { wordOrder: 2 } },
  ];
  const ter: Case<TerOptions>[] = [
    { name: 'drop7_vs_ref', hyps: drop7, refs: [refText], opts: {} },
    { name: 'unrelated_vs_ref', hyps: unrel, refs: [refText], opts: {} },
    { name: 'drop7_vs_ref_normalized', hyps: drop7, refs: [refText], opts: { normalized: true } },
    { name: 'drop7_vs_ref_no_punct', hyps: drop7, refs: [refText], opts: { noPunct: true } },
    { name: 'drop7_vs_ref_case_sensitive', hyps: drop7, refs: [refText], opts: { caseSensitive: true } },
    {
      name: 'drop7_vs_ref_norm_asian',
      hyps: drop7,
      refs: [refText],
      opts: { normalized: true, asianSupport: true },
    },
    { name: 'drop7_vs_ref_drop5', hyps: drop7, refs: [refText, drop5], opts: {} },
    { name: 'drop7_vs_ref_drop5_variable', hyps: drop7, refs: [refText, variable], opts: {} },
    { name: 'drop7_vs_other_normalized', hyps: other7, refs: [other], opts: { normalized: true } },
    { name: 'halves_swapped_vs_ref', hyps: refText.map(swapHalves), refs: [refText], opts: {} },
  ];
  return { chrf, ter };
}

function checkChrf(c: Case<ChrfOptions>, expected: any) {
  expect(expected, c.name).toBeDefined();
  const r = corpusChrf(c.hyps, c.refs, c.opts);
  expect(close(r.score, expected.score), `${c.name}: ${r.score} vs ${expected.score}`).toBe(true);
  expect(String(r), c.name).toBe(expected.str);
  expect(r.signature, c.name).toBe(expected.signature);
}

function checkTer(c: Case<TerOptions>, expected: any) {
  expect(expected, c.name).toBeDefined();
  const r = corpusTer(c.hyps, c.refs, c.opts);
  expect(r.numEdits, c.name).toBe(expected.num_edits);
  expect(close(r.refLength, expected.ref_length), c.name).toBe(true);
  expect(close(r.score, expected.score), `${c.name}: ${r.score} vs ${expected.score}`).toBe(true);
  expect(String(r), c.name).toBe(expected.str);
  expect(r.signature, c.name).toBe(expected.signature);
}

const excerpt = () =>
  ['pg1342', 'pg2701', 'pg11'].map((b) => readLines(new URL(`gutenberg.${b}.para40`, FIXTURES)));

describe('chrF / chrF++ against sacreBLEU 2.6.0', () => {
  it('Gutenberg excerpt (committed): chrF, chrF++, beta, orders, case, whitespace, eps smoothing, multi-ref', () => {
    const [a, b, c] = excerpt();
    const { chrf } = cases(a!, b!, c!);
    expect(chrf.length).toBe(Object.keys(ref.excerpt.chrf).length);
    for (const x of chrf) checkChrf(x, ref.excerpt.chrf[x.name]);
  });

  it.skipIf(!needsData('multi30k/val.en', 'chrF on the full Multi30k Test 2016'))(
    'Multi30k Test 2016 (1,000 segments, en and de) from shared/data',
    async () => {
      const d = (name: string) => readLines(new URL(`multi30k/${name}`, DATA));
      const { chrf } = cases(d('test_2016_flickr.en'), d('test_2016_flickr.de'), d('val.en'));
      for (const x of chrf) {
        checkChrf(x, ref.multi30k.chrf[x.name]);
        await breathe();
      }
    },
  );

  it('sentence_chrf, chrF and chrF++', () => {
    const [a, , c] = excerpt();
    a!.forEach((t, i) => {
      expect(close(sentenceChrf(dropEvery(t, 7), [t]).score, ref.sentence.chrf_drop7[i])).toBe(true);
      expect(
        close(sentenceChrf(c![i]!, [t], { wordOrder: 2 }).score, ref.sentence.chrf_pp_unrelated[i]),
      ).toBe(true);
    });
  });

  it('Chinese pairs', () => {
    const r = corpusChrf(
      ref.zh_pairs.map((p: string[]) => p[0]),
      [ref.zh_pairs.map((p: string[]) => p[1])],
    );
    expect(close(r.score, ref.zh.chrf.score)).toBe(true);
    expect(r.signature).toBe(ref.zh.chrf.signature);
  });

  it('hand-checked: "aa" vs "ab" (character 1-grams a,a vs a,b: P = R = 1/2; no 2-gram matches)', () => {
    // Order 1: hyp {a:2}, ref {a:1,b:1}: match 1, P = 1/2, R = 1/2. Order 2: "aa" vs "ab": 0 matches,
    // P = R = 0. Effective-order averaging over both orders that have n-grams: P = R = 1/4 → F = 25.
    const r = corpusChrf(['aa'], [['ab']]);
    expect(r.stats.slice(0, 6)).toEqual([2, 2, 1, 1, 1, 0]);
    expect(r.score).toBeCloseTo(25, 12);
    expect(chrfFromStats(r.stats)).toBe(r.score);
    expect(String(r)).toBe('chrF2 = 25.00');
    expect(corpusChrf(['aa'], [['ab']], { wordOrder: 2 }).name).toBe('chrF2++');
  });

  it('bad input', () => {
    expect(() => corpusChrf(['a'], [['a']], { charOrder: 0, wordOrder: 0 })).toThrow(MetricInputError);
    expect(() => corpusChrf(['a', 'b'], [['a']])).toThrow(/references\[0\] has 1 segments/);
    expect(() => corpusChrf(['a'], [['a']], { charOrder: 1.5 })).toThrow(/charOrder/);
  });
});

describe('TER against sacreBLEU 2.6.0', () => {
  it('Gutenberg excerpt (committed): options, shifts, multi-ref, variable references', () => {
    const [a, b, c] = excerpt();
    const { ter } = cases(a!, b!, c!);
    expect(ter.length).toBe(Object.keys(ref.excerpt.ter).length);
    for (const x of ter) checkTer(x, ref.excerpt.ter[x.name]);
  });

  it.skipIf(!needsData('multi30k/val.en', 'TER on the full Multi30k Test 2016'))(
    'Multi30k Test 2016 (1,000 segments, en and de) from shared/data',
    async () => {
      const d = (name: string) => readLines(new URL(`multi30k/${name}`, DATA));
      const { ter } = cases(d('test_2016_flickr.en'), d('test_2016_flickr.de'), d('val.en'));
      for (const x of ter) {
        checkTer(x, ref.multi30k.ter[x.name]);
        await breathe();
      }
    },
  );

  it('sentence_ter: edits and reference lengths per segment, one and two references', () => {
    const [a, , c] = excerpt();
    a!.forEach((t, i) => {
      const s = sentenceTer(dropEvery(t, 7), [t]);
      const [score, edits, len] = ref.sentence.ter_drop7[i];
      expect([s.numEdits, s.refLength]).toEqual([edits, len]);
      expect(close(s.score, score)).toBe(true);
      const w = sentenceTer(swapHalves(t), [t, c![i]!]);
      const [score2, edits2, len2] = ref.sentence.ter_swapped_two_refs[i];
      expect(w.numEdits).toBe(edits2);
      expect(close(w.refLength, len2)).toBe(true);
      expect(close(w.score, score2)).toBe(true);
    });
  });

  it('Chinese pairs with asian support', () => {
    const h = ref.zh_pairs.map((p: string[]) => p[0]);
    const r = [ref.zh_pairs.map((p: string[]) => p[1])];
    for (const [key, opts] of [
      ['ter_norm_asian', { normalized: true, asianSupport: true }],
      ['ter_nopunct_asian', { noPunct: true, asianSupport: true }],
    ] as const) {
      const s = corpusTer(h, r, opts);
      expect(s.numEdits, key).toBe(ref.zh[key].num_edits);
      expect(close(s.score, ref.zh[key].score), key).toBe(true);
      expect(s.signature, key).toBe(ref.zh[key].signature);
    }
  });

  it('TercomTokenizer with each option matches sacreBLEU on tricky strings', () => {
    const opts: Record<string, TerOptions> = {
      default: {},
      normalized: { normalized: true },
      no_punct: { noPunct: true },
      norm_asian: { normalized: true, asianSupport: true },
      nopunct_asian: { noPunct: true, asianSupport: true },
      case_sensitive: { caseSensitive: true },
    };
    for (const [input, expected] of ref.tercom as [string, Record<string, string>][]) {
      for (const [k, o] of Object.entries(opts)) {
        expect(tokenizeTercom(pyRstrip(input), o), `${k} ${JSON.stringify(input)}`).toBe(expected[k]);
      }
    }
  });

  it('hand-checked: a block shift costs one edit', () => {
    // 'd e f g h a b c' → one shift of 'a b c' to the front gives the reference: 1 edit / 8 words.
    expect(translationEditRate('d e f g h a b c'.split(' '), 'a b c d e f g h'.split(' '))).toEqual([1, 8]);
    // one substitution
    expect(translationEditRate(['the', 'cat', 'sat'], ['the', 'cat', 'is'])).toEqual([1, 3]);
    const s = corpusTer(['the cat sat on the mat'], [['the cat is on the mat']]);
    expect(s.score).toBeCloseTo(100 / 6, 12);
    expect(String(s)).toBe('TER = 16.67');
    expect(s.signature).toBe('nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0');
  });
});
