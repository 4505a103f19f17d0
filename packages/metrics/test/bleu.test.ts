import { describe, expect, it } from 'vitest';
import {
  type BleuOptions,
  MetricInputError,
  computeBleu,
  corpusBleu,
  isZhChar,
  sentenceBleu,
  tokenize13a,
  tokenizeChar,
  tokenizeIntl,
  tokenizeZh,
} from '../src/index.js';
import { pyRstrip } from '../src/python-compat.js';
import { DATA, FIXTURES, breathe, close, dropEvery, needsData, readJson, readLines } from './inputs.js';

const ref_ = readJson('sacrebleu.json.gz');

describe('tokenize13a', () => {
  it('matches sacreBLEU Tokenizer13a on tricky strings', () => {
    expect(ref_.tokenize13a.length).toBeGreaterThan(20);
    for (const [input, expected] of ref_.tokenize13a as [string, string][]) {
      // sacreBLEU's BLEU rstrips a segment before tokenizing it; the reference did the same.
      expect(tokenize13a(pyRstrip(input)), JSON.stringify(input)).toBe(expected);
    }
  });

  it('hand-checked: punctuation split, digits keep their separators', () => {
    expect(tokenize13a('Hello, world!')).toBe('Hello , world !');
    expect(tokenize13a('It costs $5.50, not 1,000.')).toBe('It costs $ 5.50 , not 1,000 .');
    expect(tokenize13a("don't 3-4")).toBe("don't 3 - 4");
  });
});

describe('computeBleu arithmetic (hand-checked)', () => {
  it('one hypothesis "the cat sat on the mat" vs "the cat is on the mat"', () => {
    // 1-grams: the,cat,sat,on,the,mat → 5 of 6 match (sat does not)
    // 2-grams: the cat, cat sat, sat on, on the, the mat → 3 of 5 (the cat, on the, the mat)
    // 3-grams: the cat sat, cat sat on, sat on the, on the mat → 1 of 4 (on the mat)
    // 4-grams: 3, none match → exp smoothing: 100 / (2 · 3)
    const r = corpusBleu(['the cat sat on the mat'], [['the cat is on the mat']]);
    expect(r.counts).toEqual([5, 3, 1, 0]);
    expect(r.totals).toEqual([6, 5, 4, 3]);
    const p = [(100 * 5) / 6, (100 * 3) / 5, (100 * 1) / 4, 100 / (2 * 3)];
    expect(r.precisions).toEqual(p);
    expect(r.bp).toBe(1);
    const expected = Math.exp((Math.log(p[0]!) + Math.log(p[1]!) + Math.log(p[2]!) + Math.log(p[3]!)) / 4);
    expect(r.score).toBeCloseTo(expected, 12);
    expect(r.score).toBeCloseTo(37.99, 2); // exp((4.4228 + 4.0943 + 3.2189 + 2.8134) / 4)
  });

  it('brevity penalty exp(1 - r/c) when the system is shorter', () => {
    const r = computeBleu([3, 2, 1, 1], [3, 2, 1, 1], 3, 6);
    expect(r.bp).toBeCloseTo(Math.exp(1 - 6 / 3), 15);
    expect(r.score).toBeCloseTo(100 * Math.exp(-1), 12);
  });

  it('smoothing methods on counts [2,1,0,0] / totals [4,3,2,1]', () => {
    const c = [2, 1, 0, 0];
    const t = [4, 3, 2, 1];
    // none: log(0) is floored at -9999999999 → score 0
    expect(computeBleu(c, t, 4, 4, { smoothMethod: 'none' }).score).toBe(0);
    // floor 0.1: zero-match orders get 100·0.1/total
    const floor = computeBleu(c, t, 4, 4, { smoothMethod: 'floor' });
    expect(floor.precisions).toEqual([50, 100 / 3, 10 / 2, 10 / 1]);
    // add-k (k=1) on orders ≥ 2: counts [2,2,1,1] totals [4,4,3,2]
    const addk = computeBleu(c, t, 4, 4, { smoothMethod: 'add-k' });
    expect(addk.counts).toEqual([2, 2, 1, 1]);
    expect(addk.totals).toEqual([4, 4, 3, 2]);
    expect(addk.precisions).toEqual([50, 50, 100 / 3, 50]);
    // exp: the k-th zero-match order gets 100/(2^k·total)
    const exp = computeBleu(c, t, 4, 4, { smoothMethod: 'exp' });
    expect(exp.precisions).toEqual([50, 100 / 3, 100 / (2 * 2), 100 / (4 * 1)]);
    // no match at all → 0 whatever the smoothing
    expect(computeBleu([0, 0, 0, 0], t, 4, 4, { smoothMethod: 'add-k' }).score).toBe(0);
  });

  it('effective order stops at the highest order with n-grams', () => {
    // 2-token hypothesis: totals [2,1,0,0]
    const r = computeBleu([2, 1, 0, 0], [2, 1, 0, 0], 2, 2, { effectiveOrder: true });
    expect(r.score).toBeCloseTo(100, 12);
    const off = computeBleu([2, 1, 0, 0], [2, 1, 0, 0], 2, 2, { effectiveOrder: false });
    expect(off.score).toBe(0);
  });

  it('multiple references: clipping by the max count over references, closest (then shorter) length', () => {
    const r = corpusBleu(['a a a b'], [['a b c d e'], ['a a x']]);
    // unigram a: hyp 3, max ref count 2 → 2; b: 1 → 3 of 4. hyp len 4: refs 5 and 3 tie at distance 1 → 3
    expect(r.counts[0]).toBe(3);
    expect(r.refLen).toBe(3);
  });
});

type Case = { name: string; hyps: string[]; refs: (string | null)[][]; opts: BleuOptions };

/** The cases of reference/make_reference.py sacrebleu_reference (same names, same inputs). */
function cases(ref: string[], other: string[], unrelated: string[]): Case[] {
  const n = ref.length;
  const drop7 = ref.map((l) => dropEvery(l, 7));
  const drop5 = ref.map((l) => dropEvery(l, 5));
  const variable = drop5.map((r, i) => (i % 3 === 0 ? null : r));
  const unrel = unrelated.slice(0, n);
  const other7 = other.map((l) => dropEvery(l, 7));
  const out: Case[] = [
    { name: 'drop7_vs_ref', hyps: drop7, refs: [ref], opts: {} },
    { name: 'unrelated_vs_ref', hyps: unrel, refs: [ref], opts: {} },
    { name: 'unrelated_vs_ref_lowercase', hyps: unrel, refs: [ref], opts: { lowercase: true } },
    { name: 'unrelated_vs_ref_tok_none', hyps: unrel, refs: [ref], opts: { tokenize: 'none' } },
    { name: 'drop7_vs_ref_drop5', hyps: drop7, refs: [ref, drop5], opts: {} },
    { name: 'drop7_vs_ref_drop5_variable', hyps: drop7, refs: [ref, variable], opts: {} },
    { name: 'drop7_vs_other', hyps: other7, refs: [other], opts: {} },
    {
      name: 'unrelated_vs_ref_floor_0.3',
      hyps: unrel,
      refs: [ref],
      opts: { smoothMethod: 'floor', smoothValue: 0.3 },
    },
    {
      name: 'unrelated_vs_ref_addk_0.5',
      hyps: unrel,
      refs: [ref],
      opts: { smoothMethod: 'add-k', smoothValue: 0.5 },
    },
  ];
  for (const tok of ['intl', 'zh', 'char'] as const) {
    out.push({ name: `drop7_vs_ref_tok_${tok}`, hyps: drop7, refs: [ref], opts: { tokenize: tok } });
    out.push({ name: `unrelated_vs_ref_tok_${tok}`, hyps: unrel, refs: [ref], opts: { tokenize: tok } });
    out.push({ name: `drop7_vs_other_tok_${tok}`, hyps: other7, refs: [other], opts: { tokenize: tok } });
  }
  for (const m of ['none', 'floor', 'add-k', 'exp'] as const) {
    out.push({ name: `unrelated_vs_ref_smooth_${m}`, hyps: unrel, refs: [ref], opts: { smoothMethod: m } });
    out.push({
      name: `unrelated_vs_ref_smooth_${m}_order6`,
      hyps: unrel,
      refs: [ref],
      opts: { smoothMethod: m, maxNgramOrder: 6 },
    });
  }
  return out;
}

function checkCase(c: Case, expected: any) {
  expect(expected, c.name).toBeDefined();
  const r = corpusBleu(c.hyps, c.refs, c.opts);
  expect(r.counts, c.name).toEqual(expected.counts);
  expect(r.totals, c.name).toEqual(expected.totals);
  expect(r.sysLen, c.name).toBe(expected.sys_len);
  expect(r.refLen, c.name).toBe(expected.ref_len);
  r.precisions.forEach((p, i) => {
    expect(close(p, expected.precisions[i]), `${c.name} precision ${i}`).toBe(true);
  });
  expect(close(r.bp, expected.bp), `${c.name} bp`).toBe(true);
  expect(close(r.score, expected.score), `${c.name}: ${r.score} vs ${expected.score}`).toBe(true);
  expect(String(r), c.name).toBe(expected.str);
  expect(r.signature, c.name).toBe(expected.signature);
}

const excerpt = () =>
  ['pg1342', 'pg2701', 'pg11'].map((b) => readLines(new URL(`gutenberg.${b}.para40`, FIXTURES)));

describe('corpusBleu against sacreBLEU 2.6.0', () => {
  it('Gutenberg excerpt (committed, public domain): every case, tokenizers, smoothing, 6-grams, multi-ref', () => {
    const [ref, other, unrelated] = excerpt();
    const list = cases(ref!, other!, unrelated!);
    expect(list.length).toBe(Object.keys(ref_.excerpt.bleu).length);
    for (const c of list) checkCase(c, ref_.excerpt.bleu[c.name]);
  });

  it.skipIf(!needsData('multi30k/val.en', 'BLEU on the full Multi30k Test 2016 (1,000 segments)'))(
    'Multi30k Test 2016 (1,000 segments, en and de) from shared/data',
    async () => {
      const d = (name: string) => readLines(new URL(`multi30k/${name}`, DATA));
      const list = cases(d('test_2016_flickr.en'), d('test_2016_flickr.de'), d('val.en'));
      expect(list.length).toBe(Object.keys(ref_.multi30k.bleu).length);
      for (const c of list) {
        checkCase(c, ref_.multi30k.bleu[c.name]);
        await breathe();
      }
    },
  );

  it('sentence-level BLEU (sacrebleu.sentence_bleu) for every smoothing method and intl', () => {
    const [ref, , unrelated] = excerpt();
    for (const m of ['none', 'floor', 'add-k', 'exp'] as const) {
      const got = unrelated!.map((h, i) => sentenceBleu(h, [ref![i]!], { smoothMethod: m }).score);
      got.forEach((g, i) => {
        expect(close(g, ref_.sentence[m][i]), `${m} ${i}`).toBe(true);
      });
    }
    const off = unrelated!.map((h, i) => sentenceBleu(h, [ref![i]!], { effectiveOrder: false }).score);
    off.forEach((g, i) => {
      expect(close(g, ref_.sentence.exp_no_effective_order[i])).toBe(true);
    });
    const two = ref!.map((t, i) => sentenceBleu(dropEvery(t, 7), [t, unrelated![i]!]).score);
    two.forEach((g, i) => {
      expect(close(g, ref_.sentence.exp_two_refs[i])).toBe(true);
    });
    const intl = ref!.map((t) => sentenceBleu(dropEvery(t, 7), [t], { tokenize: 'intl' }).score);
    intl.forEach((g, i) => {
      expect(close(g, ref_.sentence.intl_drop7[i])).toBe(true);
    });
  });

  it('Chinese (hand-written pairs): zh tokenizer, trgLang zh, char and intl', () => {
    const hyps: string[] = ref_.zh_pairs.map((p: string[]) => p[0]);
    const refs: string[][] = [ref_.zh_pairs.map((p: string[]) => p[1])];
    const check = (got: ReturnType<typeof corpusBleu>, exp: any) => {
      expect(got.counts).toEqual(exp.counts);
      expect(got.totals).toEqual(exp.totals);
      expect(close(got.score, exp.score)).toBe(true);
      expect(String(got)).toBe(exp.str);
      expect(got.signature).toBe(exp.signature);
    };
    check(corpusBleu(hyps, refs, { tokenize: 'zh' }), ref_.zh.bleu_zh);
    check(corpusBleu(hyps, refs, { trgLang: 'zh' }), ref_.zh.bleu_trg_lang_zh);
    check(corpusBleu(hyps, refs, { tokenize: 'char' }), ref_.zh.bleu_char);
    check(corpusBleu(hyps, refs, { tokenize: 'intl' }), ref_.zh.bleu_intl);
    expect(() => corpusBleu(hyps, refs, { trgLang: 'ja' })).toThrow(/ja-mecab.*not provided/);
  });
});

describe('sacreBLEU tokenizers', () => {
  it('13a, intl, zh and char match sacreBLEU on tricky strings (punctuation, symbols, CJK, emoji, spaces)', () => {
    const all = ref_.tokenizers as [string, Record<string, string>][];
    expect(all.length).toBeGreaterThan(50);
    for (const [input, expected] of all) {
      const s = pyRstrip(input);
      expect(tokenize13a(s), `13a ${JSON.stringify(input)}`).toBe(expected['13a']);
      expect(tokenizeIntl(s), `intl ${JSON.stringify(input)}`).toBe(expected.intl);
      expect(tokenizeZh(s), `zh ${JSON.stringify(input)}`).toBe(expected.zh);
      expect(tokenizeChar(s), `char ${JSON.stringify(input)}`).toBe(expected.char);
    }
  });

  it("zh keeps sacreBLEU's range quirk: U+2001–U+2A6D (quotes, dashes, arrows) split like Chinese", () => {
    // '\u20000' in sacreBLEU's table is U+2000 followed by "0" (see isZhChar).
    expect(isZhChar(0x2000)).toBe(false);
    expect(isZhChar(0x2019)).toBe(true); // ’
    expect(isZhChar(0x2a6d)).toBe(true);
    expect(isZhChar(0x2a6e)).toBe(false);
    expect(isZhChar(0x20000)).toBe(false); // a real Extension B character is not split
    expect(tokenizeZh('don’t')).toBe('don ’ t');
  });
});
describe('corpusBleu input errors', () => {
  it('names the stream and explains the layout when references are per-hypothesis', () => {
    expect(() =>
      corpusBleu(
        ['a', 'b', 'c'],
        [
          ['x', 'y'],
          ['z', 'w'],
        ],
      ),
    ).toThrow(/references\[0\] has 2 segments but there are 3 hypotheses.*transpose/);
    expect(() => corpusBleu(['a'], [[null]])).toThrow(MetricInputError);
    expect(() => corpusBleu(['a'], [['a']], { smoothMethod: 'bogus' as never })).toThrow(/smoothMethod/);
    expect(() => corpusBleu(['a'], [['a']], { tokenize: 'ja-mecab' as never })).toThrow(
      /tokenize.*not provided/,
    );
    expect(() => corpusBleu(['a'], [])).toThrow(/non-empty array of reference streams/);
  });
});
