import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  type AggregateScore,
  BootstrapAggregator,
  type BootstrapOptions,
  EMPTY_PUNKT_PARAMETERS,
  MetricInputError,
  PorterStemmer,
  PunktSentenceTokenizer,
  type RougeCorpusOptions,
  type RougeScore,
  RougeScorer,
  type RougeType,
  punktParametersFromTab,
  rouge,
  rougeTokenize,
} from '../src/index.js';
import {
  DATA,
  type DialogSumRecord,
  FIXTURES,
  type Gsm8kRecord,
  close,
  gsm8kTargets,
  leadTwoTurns,
  needsData,
  questionLines,
  readJson,
  readJsonl,
  sentenceLines,
} from './inputs.js';

const ref = readJson('rouge-score.json.gz');
const TYPES: RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

describe('Porter stemmer against NLTK 3.8', () => {
  const porter = readJson('nltk-porter.json.gz');
  for (const mode of ['NLTK_EXTENSIONS', 'MARTIN_EXTENSIONS', 'ORIGINAL_ALGORITHM'] as const) {
    it(`${mode}: every word of the inaugural-address vocabulary (${porter.words.length} words)`, () => {
      const stemmer = new PorterStemmer(mode);
      const wrong = (porter.words as string[])
        .map((w, i) => [w, stemmer.stem(w), porter.stems[mode][i]] as const)
        .filter(([, got, want]) => got !== want);
      expect(wrong.slice(0, 10)).toEqual([]);
    });
  }

  it('hand-checked examples from Porter (1980) and NLTK extensions', () => {
    const s = new PorterStemmer();
    expect(
      ['caresses', 'ponies', 'cats', 'agreed', 'plastered', 'motoring', 'hopping', 'filing'].map((w) =>
        s.stem(w),
      ),
    ).toEqual(['caress', 'poni', 'cat', 'agre', 'plaster', 'motor', 'hop', 'file']);
    expect(
      ['relational', 'generalization', 'dies', 'dying', 'skies', 'happy', 'enjoy'].map((w) => s.stem(w)),
    ).toEqual(['relat', 'gener', 'die', 'die', 'sky', 'happi', 'enjoy']);
  });
});

describe('ROUGE tokenizer and scores (hand-checked)', () => {
  it('lowercases, replaces non-[a-z0-9] with spaces, stems only tokens longer than 3 characters', () => {
    expect(rougeTokenize("Don't STOP-me now, 2 times!")).toEqual([
      'don',
      't',
      'stop',
      'me',
      'now',
      '2',
      'times',
    ]);
    const st = new PorterStemmer();
    expect(rougeTokenize('runs running ran cats', (t) => st.stem(t))).toEqual(['run', 'run', 'ran', 'cat']);
    // "was" has 3 characters, so is not stemmed (the stemmer would make it "wa")
    expect(rougeTokenize('was', (t) => st.stem(t))).toEqual(['was']);
  });

  it('rouge1/2/L on a two-line example', () => {
    const s = new RougeScorer({ rougeTypes: ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] });
    const r = s.score('a b c d\ne f g', 'a c e\nb d f g');
    // unigrams: target {a,b,c,d,e,f,g}, prediction {a,c,e,b,d,f,g}: 7 common of 7 and 7
    expect(r.rouge1).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
    // bigrams: target ab bc cd de ef fg; prediction ac ce eb bd df fg → common {fg}: 1/6 both
    expect(r.rouge2!.precision).toBeCloseTo(1 / 6, 15);
    // LCS over the whole text: a b d f g (5 of 7)
    expect(r.rougeL!.precision).toBeCloseTo(5 / 7, 15);
    // Lsum: ref sentence "a b c d" vs candidates "a c e" (LCS a c), "b d f g" (LCS b d) → union a b c d = 4;
    // "e f g" vs "a c e" (e), "b d f g" (f g) → union e f g = 3. hits 7 of 7.
    expect(r.rougeLsum).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
  });

  it('empty texts score 0, as rouge-score does', () => {
    const s = new RougeScorer();
    for (const t of TYPES)
      expect(s.score('', 'some words')[t]).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('matches rouge-score on hand-picked cases (stemmer on, rouge1/2/3/L/Lsum)', () => {
    const s = new RougeScorer({
      rougeTypes: ['rouge1', 'rouge2', 'rouge3', 'rougeL', 'rougeLsum'],
      useStemmer: true,
    });
    for (const [target, prediction, expected] of ref.hand as [string, string, Record<string, number[]>][]) {
      const got = s.score(target, prediction);
      for (const [type, [p, r, f]] of Object.entries(expected)) {
        expect([got[type]!.precision, got[type]!.recall, got[type]!.fmeasure], `${type} ${target}`).toEqual([
          p,
          r,
          f,
        ]);
      }
    }
    for (const [text, tokens] of ref.tokenize_stem as [string, string[]][])
      expect(s.tokenize(text)).toEqual(tokens);
  });

  it('scoreMulti keeps, per type, the target with the best F-measure', () => {
    const s = new RougeScorer({ rougeTypes: ['rouge1'] });
    const r = s.scoreMulti(
      ['The fox moves', 'The quick brown fox jumps over the lazy dog'],
      'The brown fox jumps quickly',
    );
    // second target: the brown fox jumps = 4 → P 4/5, R 4/9
    expect(r.rouge1!.precision).toBeCloseTo(4 / 5, 15);
    expect(r.rouge1!.recall).toBeCloseTo(4 / 9, 15);
  });

  it('rejects bad input with a named argument', () => {
    expect(() => new RougeScorer({ rougeTypes: ['rougeX' as RougeType] })).toThrow(/Invalid rouge type/);
    expect(() => rouge(['a'], [])).toThrow(MetricInputError);
    expect(() => new RougeScorer().scoreMulti([], 'a')).toThrow(/targets/);
  });
});

type Pair = [prediction: string, target: string | string[]];

const dialogsumPairs = (records: DialogSumRecord[], multi: boolean, raw = false): Pair[] => {
  const fix = raw ? (x: string) => x : sentenceLines;
  return records.map((r) => [
    leadTwoTurns(r.dialogue),
    multi ? [r.summary1!, r.summary2!, r.summary3!].map(fix) : fix(r.summary!),
  ]);
};
const gsmPairs = (records: Gsm8kRecord[], multi: boolean): Pair[] =>
  records.map((r) => [questionLines(r.question), multi ? gsm8kTargets(r) : r.answer]);

function check(pairs: Pair[], options: RougeCorpusOptions, expected: any) {
  expect(expected).toBeDefined();
  const got = rouge(
    pairs.map(([p]) => p),
    pairs.map(([, t]) => t),
    { useAggregator: false, ...options },
  );
  const types = Object.keys(expected.mean);
  expect(got.perExample.length).toBe(expected.n);
  for (const t of types) {
    for (const k of ['precision', 'recall', 'fmeasure'] as const) {
      expect(close(got.mean[t]![k], expected.mean[t][k]), `mean ${t} ${k}`).toBe(true);
    }
    if (expected.per_example) {
      got.perExample.forEach((ex, i) => {
        expect([ex[t]!.precision, ex[t]!.recall, ex[t]!.fmeasure], `${t} #${i}`).toEqual(
          expected.per_example[i][t],
        );
      });
    } else {
      got.perExample.forEach((ex, i) => {
        expect(ex[t]!.fmeasure, `${t} #${i}`).toBe(expected.fmeasure[t][i]);
      });
    }
  }
}

const gsm20 = readJsonl<Gsm8kRecord>(new URL('gsm8k.test.head20.jsonl', FIXTURES));
const dialogsum = (split: string) =>
  readJsonl<DialogSumRecord>(new URL(`dialogsum/dialogsum.${split}.jsonl`, DATA));
const haveDialogSum = needsData('dialogsum/dialogsum.dev.jsonl', 'ROUGE on the full DialogSum dev and test');
const split = (text: string) => text.split(/\s+/).filter((t) => t.length > 0);

describe('rouge against rouge-score 0.1.2', () => {
  for (const stem of [false, true]) {
    const key = stem ? 'stem' : 'nostem';
    it(`GSM8K excerpt (committed), ${stem ? 'with' : 'without'} stemmer: per-example P/R/F exactly, single and multi-reference`, () => {
      check(gsmPairs(gsm20, false), { useStemmer: stem }, ref[`excerpt20_${key}`]);
      check(gsmPairs(gsm20.slice(0, 10), true), { useStemmer: stem }, ref[`excerpt10_multi_${key}`]);
    });
    it.skipIf(!haveDialogSum)(
      `DialogSum dev (500) and test (500 × 3 refs) from shared/data, ${stem ? 'with' : 'without'} stemmer`,
      () => {
        check(dialogsumPairs(dialogsum('dev'), false), { useStemmer: stem }, ref[`dev_${key}`]);
        check(dialogsumPairs(dialogsum('test'), true), { useStemmer: stem }, ref[`test_multi_${key}`]);
      },
    );
  }

  it('a custom tokenizer (Python str.split) replaces the default one, stemmer and all', () => {
    check(gsmPairs(gsm20, false), { tokenizer: split, useStemmer: true }, ref.excerpt20_tokenizer_split);
    check(gsmPairs(gsm20, false), { tokenizer: { tokenize: split } }, ref.excerpt20_tokenizer_split);
  });

  it.skipIf(!haveDialogSum)('custom tokenizer on DialogSum dev', () => {
    check(dialogsumPairs(dialogsum('dev'), false), { tokenizer: split }, ref.dev_tokenizer_split);
  });

  it('splitSummaries: rougeLsum over Punkt sentences (untrained, and NLTK-trained parameters)', () => {
    const pairs: Pair[] = gsm20.map((r) => [r.question, r.answer]);
    const rougeTypes: RougeType[] = ['rougeL', 'rougeLsum'];
    check(pairs, { rougeTypes, splitSummaries: true }, ref.excerpt20_split_untrained);
    check(pairs, { rougeTypes, splitSummaries: true, splitter: trainedPunkt() }, ref.excerpt20_split_trained);
  });

  it.skipIf(!haveDialogSum)(
    'splitSummaries on DialogSum dev (raw summaries, several sentences per line)',
    () => {
      const pairs = dialogsumPairs(dialogsum('dev'), false, true);
      check(pairs, { rougeTypes: ['rougeLsum'], splitSummaries: true }, ref.dev_split_untrained);
      check(
        pairs,
        { rougeTypes: ['rougeLsum'], splitSummaries: true, splitter: trainedPunkt() },
        ref.dev_split_trained,
      );
    },
  );
});

function trainedPunkt(): PunktSentenceTokenizer {
  const p = JSON.parse(
    gunzipSync(readFileSync(new URL('punkt-params.state-union.json.gz', FIXTURES))).toString('utf8'),
  );
  return new PunktSentenceTokenizer({
    abbrevTypes: new Set(p.abbrev_types),
    collocations: new Set((p.collocations as string[][]).map(([a, b]) => `${a}\t${b}`)),
    sentStarters: new Set(p.sent_starters),
    orthoContext: new Map(Object.entries(p.ortho_context as Record<string, number>)),
  });
}

describe('Punkt sentence splitter against NLTK 3.8 PunktSentenceTokenizer', () => {
  it('untrained and trained: the same sentences on GSM8K questions and DialogSum summaries', () => {
    for (const [name, tok] of [
      ['untrained', new PunktSentenceTokenizer()],
      ['trained', trainedPunkt()],
    ] as const) {
      const cases = ref[`punkt_${name}`] as [string, string[]][];
      expect(cases.length).toBe(50);
      for (const [text, sentences] of cases)
        expect(tok.tokenize(text), `${name} ${text.slice(0, 40)}`).toEqual(sentences);
    }
  });

  it('hand-checked: abbreviations only with parameters, closing quotes stay with their sentence', () => {
    const text = 'Dr. Smith arrived. He said "fine." Then he left!';
    expect(new PunktSentenceTokenizer().tokenize(text)).toEqual([
      'Dr.',
      'Smith arrived.',
      'He said "fine."',
      'Then he left!',
    ]);
    const withDr = new PunktSentenceTokenizer({ ...EMPTY_PUNKT_PARAMETERS, abbrevTypes: new Set(['dr']) });
    expect(withDr.tokenize(text)).toEqual(['Dr. Smith arrived.', 'He said "fine."', 'Then he left!']);
    const tab = punktParametersFromTab({
      abbrevTypes: 'dr\nmr\n',
      collocations: 'u.s\tsenate\n',
      sentStarters: 'however\n',
      orthoContext: 'smith\t4\n',
    });
    expect([...tab.abbrevTypes]).toEqual(['dr', 'mr']);
    expect(tab.collocations.has('u.s\tsenate')).toBe(true);
    expect(tab.orthoContext.get('smith')).toBe(4);
    expect(() =>
      punktParametersFromTab({ abbrevTypes: '', collocations: 'one', sentStarters: '', orthoContext: '' }),
    ).toThrow(/collocations.tab line 1/);
  });
});

describe("rouge-score's BootstrapAggregator (NumPy-compatible seeded resampling)", () => {
  const scoresOf = (pairs: Pair[], options: RougeCorpusOptions) =>
    rouge(
      pairs.map(([p]) => p),
      pairs.map(([, t]) => t),
      { ...options, useAggregator: false },
    ).perExample;
  const checkAgg = (got: Record<string, AggregateScore>, expected: any) => {
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    for (const [t, v] of Object.entries(got)) {
      for (const b of ['low', 'mid', 'high'] as const) {
        const e = expected[t][b];
        expect(
          close(v[b].precision, e[0]) && close(v[b].recall, e[1]) && close(v[b].fmeasure, e[2]),
          `${t} ${b}`,
        ).toBe(true);
      }
    }
  };
  const agg = (scores: Record<string, RougeScore>[], options: BootstrapOptions) => {
    const a = new BootstrapAggregator(options);
    for (const s of scores) a.addScores(s);
    return a.aggregate();
  };

  it('GSM8K excerpt: seeds 0 and 7, and 31 samples at 50%: low / mid / high as np.random.seed(s) gives', () => {
    const per = scoresOf(gsmPairs(gsm20, false), { useStemmer: true });
    checkAgg(agg(per, { seed: 0 }), ref.bootstrap.excerpt20_stem_seed0);
    checkAgg(agg(per, { seed: 7 }), ref.bootstrap.excerpt20_stem_seed7);
    checkAgg(
      agg(per, { seed: 0, nSamples: 31, confidenceInterval: 0.5 }),
      ref.bootstrap.excerpt20_stem_seed0_ci50_n31,
    );
    // rouge() runs the same aggregator by default (seed 0), and aggregating twice gives the same numbers.
    const r = rouge(
      gsm20.map((x) => questionLines(x.question)),
      gsm20.map((x) => x.answer),
      { useStemmer: true },
    );
    checkAgg(r.aggregate!, ref.bootstrap.excerpt20_stem_seed0);
  });

  it.skipIf(!haveDialogSum)('DialogSum dev: seed 0, and seed 42 with 200 samples at 90%', () => {
    const per = scoresOf(dialogsumPairs(dialogsum('dev'), false), {});
    checkAgg(agg(per, { seed: 0 }), ref.bootstrap.dev_seed0);
    checkAgg(
      agg(per, { seed: 42, nSamples: 200, confidenceInterval: 0.9 }),
      ref.bootstrap.dev_seed42_n200_ci90,
    );
  });

  it("evaluate.load('rouge').compute(...) after np.random.seed(seed): aggregate mid F-measures", () => {
    const pairs = gsmPairs(gsm20, false);
    const evalLike = (options: RougeCorpusOptions, seed: number) => {
      const r = rouge(
        pairs.map(([p]) => p),
        pairs.map(([, t]) => t),
        { ...options, bootstrap: { seed } },
      );
      return Object.fromEntries(Object.entries(r.aggregate!).map(([t, v]) => [t, v.mid.fmeasure]));
    };
    const expectClose = (got: Record<string, number>, want: Record<string, number>) => {
      expect(Object.keys(got)).toEqual(Object.keys(want));
      for (const k of Object.keys(want)) expect(close(got[k]!, want[k]!), k).toBe(true);
    };
    expectClose(evalLike({}, 0), ref.evaluate.excerpt20_seed0);
    expectClose(
      evalLike({ tokenizer: split, rougeTypes: ['rouge1', 'rougeL'] }, 3),
      ref.evaluate.excerpt20_split_tokenizer_seed3,
    );
    // use_aggregator=False: per-example F-measures
    const plain = rouge(
      pairs.map(([p]) => p),
      pairs.map(([, t]) => t),
      { useAggregator: false },
    );
    expect(plain.aggregate).toBeUndefined();
    for (const t of TYPES)
      expect(plain.perExample.map((e) => e[t]!.fmeasure)).toEqual(ref.evaluate.excerpt20_no_aggregator[t]);
  });

  it.skipIf(!haveDialogSum)(
    'evaluate rouge on DialogSum: dev (seed 0, seed 1 with stemmer), test with 3 references',
    () => {
      const run = (pairs: Pair[], options: RougeCorpusOptions, seed: number) =>
        rouge(
          pairs.map(([p]) => p),
          pairs.map(([, t]) => t),
          { ...options, bootstrap: { seed } },
        ).aggregate!;
      const cmp = (got: Record<string, AggregateScore>, want: Record<string, number>) => {
        for (const k of Object.keys(want)) expect(close(got[k]!.mid.fmeasure, want[k]!), k).toBe(true);
      };
      cmp(run(dialogsumPairs(dialogsum('dev'), false), {}, 0), ref.evaluate.dev_seed0);
      cmp(run(dialogsumPairs(dialogsum('dev'), false), { useStemmer: true }, 1), ref.evaluate.dev_stem_seed1);
      cmp(run(dialogsumPairs(dialogsum('test'), true), {}, 0), ref.evaluate.test_multi_seed0);
    },
  );

  it('hand-checked: one example → every bootstrap mean is that example; bad options are named', () => {
    const a = new BootstrapAggregator({ seed: 5 });
    a.addScores({ rouge1: { precision: 0.5, recall: 0.25, fmeasure: 1 / 3 } });
    const r = a.aggregate().rouge1!;
    expect(r.low).toEqual({ precision: 0.5, recall: 0.25, fmeasure: 1 / 3 });
    expect(r.high).toEqual(r.low);
    expect(() => new BootstrapAggregator({ confidenceInterval: 1.5 })).toThrow(/confidenceInterval/);
    expect(() => new BootstrapAggregator({ nSamples: 0 })).toThrow(/nSamples/);
    expect(() => new BootstrapAggregator({ seed: -1 })).toThrow(/seed/);
  });
});
