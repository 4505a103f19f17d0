import { describe, expect, it } from 'vitest';
import {
  MetricInputError,
  PorterStemmer,
  RougeScorer,
  type RougeType,
  rouge,
  rougeTokenize,
} from '../src/index.js';
import {
  DATA,
  type DialogSumRecord,
  FIXTURES,
  close,
  hasData,
  leadTwoTurns,
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

function check(records: DialogSumRecord[], multi: boolean, stem: boolean, expected: any) {
  const preds = records.map((r) => leadTwoTurns(r.dialogue));
  const refs = records.map((r) =>
    multi ? [r.summary1!, r.summary2!, r.summary3!].map(sentenceLines) : sentenceLines(r.summary!),
  );
  const got = rouge(preds, refs, { rougeTypes: TYPES, useStemmer: stem });
  expect(got.perExample.length).toBe(expected.n);
  for (const t of TYPES) {
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

describe('rouge against rouge-score 0.1.2 on DialogSum (lead-2 turns vs reference summaries)', () => {
  const dev20 = readJsonl<DialogSumRecord>(new URL('dialogsum.dev.head20.jsonl', FIXTURES));
  const test10 = readJsonl<DialogSumRecord>(new URL('dialogsum.test.head10.jsonl', FIXTURES));
  for (const stem of [false, true]) {
    const key = stem ? 'stem' : 'nostem';
    it(`excerpt (committed fixture), ${stem ? 'with' : 'without'} stemmer: per-example P/R/F exactly, single and multi-reference`, () => {
      check(dev20, false, stem, ref[`dev_head20_${key}`]);
      check(test10, true, stem, ref[`test_head10_multi_${key}`]);
    });
    it.skipIf(!hasData('dialogsum/dialogsum.dev.jsonl'))(
      `full dev (500) and test (500 × 3 refs) from shared/data, ${stem ? 'with' : 'without'} stemmer`,
      () => {
        check(readJsonl(new URL('dialogsum/dialogsum.dev.jsonl', DATA)), false, stem, ref[`dev_${key}`]);
        check(
          readJsonl(new URL('dialogsum/dialogsum.test.jsonl', DATA)),
          true,
          stem,
          ref[`test_multi_${key}`],
        );
      },
    );
  }
});
