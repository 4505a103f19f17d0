import { describe, expect, it } from 'vitest';
import {
  MetricInputError,
  type PrfOptions,
  accuracyScore,
  classificationReport,
  f1Score,
  fbetaScore,
  formatReport,
  precisionRecallFscoreSupport,
  precisionScore,
  recallScore,
} from '../src/index.js';
import {
  FIXTURES,
  close,
  needsData,
  lexiconPredict,
  perturbTags,
  readConll,
  readJson,
  sst2Dev,
  tagsOf,
  wnut17Full,
} from './inputs.js';

const ref = readJson('sklearn.json');
const quiet = { onWarning: () => {} };

describe('precision / recall / F (hand-checked)', () => {
  // yTrue  = [cat, dog, pig, cat, dog, pig]
  // yPred  = [cat, pig, dog, cat, cat, dog]
  // cat: tp 2, predicted 3, true 2 → P 2/3, R 1, F 0.8
  // dog: tp 0, predicted 2, true 2 → 0, 0, 0;  pig: tp 0, predicted 1, true 2 → 0, 0, 0
  const yTrue = ['cat', 'dog', 'pig', 'cat', 'dog', 'pig'];
  const yPred = ['cat', 'pig', 'dog', 'cat', 'cat', 'dog'];

  it('per label, micro, macro, weighted', () => {
    const per = precisionRecallFscoreSupport(yTrue, yPred);
    expect(per.labels).toEqual(['cat', 'dog', 'pig']);
    expect(per.precision).toEqual([2 / 3, 0, 0]);
    expect(per.recall).toEqual([1, 0, 0]);
    expect(per.fScore[0]).toBeCloseTo(0.8, 15);
    expect(per.support).toEqual([2, 2, 2]);
    const micro = precisionRecallFscoreSupport(yTrue, yPred, { average: 'micro' });
    // micro: tp 2 of 6 predicted and 6 true → accuracy
    expect(micro.precision).toBeCloseTo(2 / 6, 15);
    expect(micro.fScore).toBeCloseTo(2 / 6, 15);
    expect(precisionRecallFscoreSupport(yTrue, yPred, { average: 'macro' }).fScore).toBeCloseTo(0.8 / 3, 15);
    expect(precisionRecallFscoreSupport(yTrue, yPred, { average: 'weighted' }).precision).toBeCloseTo(
      2 / 9,
      15,
    );
    expect(accuracyScore(yTrue, yPred)).toBeCloseTo(2 / 6, 15);
    expect(accuracyScore(yTrue, yPred, { normalize: false })).toBe(2);
  });

  it('binary defaults of precisionScore/recallScore/f1Score (posLabel 1)', () => {
    const t = [1, 1, 0, 0, 1];
    const p = [1, 0, 0, 1, 1];
    // tp 2, fp 1, fn 1 → P = R = F1 = 2/3; F2 = 5·2 / (4·3 + 3) = 2/3
    expect(precisionScore(t, p)).toBeCloseTo(2 / 3, 15);
    expect(recallScore(t, p)).toBeCloseTo(2 / 3, 15);
    expect(f1Score(t, p)).toBeCloseTo(2 / 3, 15);
    expect(fbetaScore(t, p, 2)).toBeCloseTo(2 / 3, 15);
    expect(f1Score(t, p, { average: null })).toEqual([0.5, 2 / 3]);
  });

  it('zeroDivision: warn → 0 with a warning, 0, 1, NaN (averages skip NaN)', () => {
    // label 3 is neither true nor predicted: P, R and F are all 0/0
    const t = [0, 1, 2, 0, 1, 2];
    const p = [0, 2, 1, 0, 0, 1];
    const warnings: string[] = [];
    const w = precisionRecallFscoreSupport(t, p, {
      labels: [0, 1, 2, 3],
      onWarning: (m) => warnings.push(m),
    });
    expect(w.precision[3]).toBe(0);
    expect(warnings.some((m) => m.startsWith('Precision is ill-defined'))).toBe(true);
    expect(precisionRecallFscoreSupport(t, p, { labels: [0, 1, 2, 3], zeroDivision: 1 }).fScore[3]).toBe(1);
    const nan = precisionRecallFscoreSupport(t, p, { labels: [0, 1, 2, 3], zeroDivision: Number.NaN });
    expect(Number.isNaN(nan.precision[3]!)).toBe(true);
    // macro over the three defined labels only: P (2/3 + 0 + 0)/3
    const macro = precisionRecallFscoreSupport(t, p, {
      labels: [0, 1, 2, 3],
      zeroDivision: Number.NaN,
      average: 'macro',
    });
    expect(macro.precision).toBeCloseTo(2 / 9, 15);
    // weighted with no true samples of the chosen labels: scikit-learn ≥ 1.3 falls back to the plain mean
    const onlyAbsent = precisionRecallFscoreSupport(t, p, {
      labels: [3, 4],
      zeroDivision: 1,
      average: 'weighted',
    });
    expect(onlyAbsent).toEqual({ precision: 1, recall: 1, fScore: 1, support: 0 });
    // Labels 3 (predicted once, never true) and 4 (nowhere), zeroDivision 1:
    //   label 3: P 0/1 = 0, R 0/0 → 1, F 0/(0+1) = 0;  label 4: P, R, F all 0/0 → 1.
    // Weights (supports) are all 0, so the weighted average is the plain mean (0.5, 1, 0.5), as in
    // scikit-learn ≥ 1.3 (_nanaverage). scikit-learn ≤ 1.2 returned (0, 1, 0) here.
    const mixed = precisionRecallFscoreSupport([0, 0], [3, 0], {
      labels: [3, 4],
      zeroDivision: 1,
      average: 'weighted',
    });
    expect(mixed).toEqual({ precision: 0.5, recall: 1, fScore: 0.5, support: 0 });
  });

  it('errors name the problem', () => {
    expect(() => precisionRecallFscoreSupport([1, 2], [1])).toThrow(/different lengths: 2 and 1/);
    expect(() => f1Score(['a', 'b', 'c'], ['a', 'b', 'c'])).toThrow(/multiclass.*binary/);
    expect(() => f1Score(['neg', 'pos'], ['pos', 'pos'])).toThrow(
      /posLabel=1 is not a valid label.*"neg","pos"/,
    );
    expect(() => accuracyScore([1, 'a'] as never, [1, 1])).toThrow(/yTrue\[1\].*mix of label types/);
    expect(() => accuracyScore([0.5], [1])).toThrow(/yTrue\[0\] is 0.5: numeric labels must be integers/);
    expect(() => precisionRecallFscoreSupport([1], [1], { zeroDivision: 2 })).toThrow(MetricInputError);
    expect(() => precisionRecallFscoreSupport([1], [1], { average: 'samples' as never })).toThrow(/average/);
  });
});

type Res = {
  precision: number | number[];
  recall: number | number[];
  fscore: number | number[];
  support: number | number[] | null;
};

function expectPrfs<L extends string | number>(
  yt: L[],
  yp: L[],
  opts: PrfOptions<L>,
  want: Res,
  what: string,
) {
  const got = precisionRecallFscoreSupport(yt, yp, { ...quiet, ...opts });
  const cmp = (g: number | number[], w: number | number[], k: string) => {
    const gs = Array.isArray(g) ? g : [g];
    const ws = Array.isArray(w) ? w : [w];
    expect(gs.length, `${what} ${k}`).toBe(ws.length);
    gs.forEach((v, i) => {
      expect(close(v, ws[i]!), `${what} ${k}[${i}]: ${v} vs ${ws[i]}`).toBe(true);
    });
  };
  cmp(got.precision, want.precision, 'precision');
  cmp(got.recall, want.recall, 'recall');
  cmp(got.fScore, want.fscore, 'fscore');
  if (want.support !== null) cmp(got.support, want.support, 'support');
}

function checkTagCases(sents: [string, string][][], want: any) {
  const gold = tagsOf(sents);
  const yt = gold.flat();
  const yp = perturbTags(gold).flat();
  expect(yt.length).toBe(want.n);
  const labels = [...new Set([...yt, ...yp])].sort();
  expect(labels).toEqual(want.labels);
  const noO = labels.filter((l) => l !== 'O');
  expect(close(accuracyScore(yt, yp), want.accuracy)).toBe(true);
  for (const avg of [null, 'micro', 'macro', 'weighted'] as const) {
    expectPrfs(yt, yp, { average: avg }, want[`avg_${avg === null ? 'None' : avg}`], `avg ${avg}`);
    expectPrfs(
      yt,
      yp,
      { average: avg, labels: noO },
      want[`avg_${avg === null ? 'None' : avg}_no_O`],
      `avg ${avg} no O`,
    );
  }
  for (const z of ['warn', 0, 1] as const) {
    for (const avg of [null, 'macro', 'micro', 'weighted'] as const) {
      const key = `absent_${z}_${avg === null ? 'None' : avg}`;
      expectPrfs(yt, yp, { average: avg, labels: [...noO, 'B-absent'], zeroDivision: z }, want[key], key);
    }
  }
  expectPrfs(yt, yp, { average: 'macro', beta: 0.5 }, want['beta_0.5_macro'], 'beta 0.5');
  expectPrfs(yt, yp, { average: 'weighted', beta: 2 }, want.beta_2_weighted, 'beta 2');
  const w = yt.map((_t, i) => (i % 3) + 1);
  expectPrfs(yt, yp, { average: 'macro', sampleWeight: w }, want.weighted_samples_macro, 'sample weights');
  expect(close(accuracyScore(yt, yp, { sampleWeight: w }), want.weighted_samples_accuracy)).toBe(true);
  // classification_report (output_dict) with and without the O label
  for (const [key, labelsOpt] of [
    ['report', undefined],
    ['report_no_O', noO],
  ] as const) {
    const r = classificationReport(yt, yp, { ...quiet, ...(labelsOpt ? { labels: labelsOpt } : {}) });
    const exp = want[key];
    for (const l of r.labels) {
      const row = r.perLabel[String(l)]!;
      expect(close(row.f1, exp[l]['f1-score']), `${key} ${l}`).toBe(true);
      expect(row.support).toBe(exp[l].support);
    }
    if (exp.accuracy !== undefined) expect(close(r.accuracy!, exp.accuracy)).toBe(true);
    else expect(close(r.microAvg!.f1, exp['micro avg']['f1-score'])).toBe(true);
    expect(close(r.macroAvg.precision, exp['macro avg'].precision)).toBe(true);
    expect(close(r.weightedAvg.recall, exp['weighted avg'].recall)).toBe(true);
    expect(formatReport(r)).toContain('weighted avg');
  }
}

describe('precisionRecallFscoreSupport against scikit-learn 1.2.1', () => {
  it('WNUT-17 token tags, 120-sentence excerpt (committed fixture): all averages, labels, zeroDivision, beta, weights, report', () => {
    checkTagCases(readConll(new URL('wnut17.dev.head120.conll', FIXTURES)), ref.wnut17_dev_head120_tags);
  });

  it('WNUT-17 dev token tags (15,733 tokens, 13 labels), from test-data/wnut17/full', () => {
    checkTagCases(wnut17Full('emerging.dev.conll'), ref.wnut17_dev_tags);
  });

  it.skipIf(!needsData('sst2/dev.tsv', 'the binary scikit-learn checks on SST-2 dev'))(
    'SST-2 dev, binary, keyword classifier, from shared/data',
    () => {
      const { labels, texts } = sst2Dev();
      const pred = texts.map(lexiconPredict);
      const b = ref.sst2_dev_lexicon;
      expect([labels.length, pred.reduce((s, v) => s + v, 0)]).toEqual([b.n, b.n_pred_pos]);
      expect(close(accuracyScore(labels, pred), b.accuracy)).toBe(true);
      expectPrfs(labels, pred, { average: 'binary' }, b.binary_pos1, 'binary pos 1');
      expectPrfs(labels, pred, { average: 'binary', posLabel: 0 }, b.binary_pos0, 'binary pos 0');
      expectPrfs(labels, pred, { average: null }, b.none, 'per label');
      const s = (v: number) => (v ? 'pos' : 'neg');
      expectPrfs(
        labels.map(s),
        pred.map(s),
        { average: 'binary', posLabel: 'pos' },
        b.strings_binary_pos,
        'strings',
      );
      expect(close(fbetaScore(labels, pred, 2), b.fbeta2_binary)).toBe(true);
    },
  );

  it('small zero-division cases (labels absent from the data, nothing predicted, no positives)', () => {
    const t = [0, 1, 2, 0, 1, 2];
    const p = [0, 2, 1, 0, 0, 1];
    for (const z of ['warn', 0, 1] as const) {
      const s = ref.small;
      expectPrfs(
        t,
        p,
        { average: null, labels: [0, 1, 2, 3], zeroDivision: z },
        s[`perlabel_${z}`],
        `per label ${z}`,
      );
      expectPrfs(
        t,
        p,
        { average: 'macro', labels: [0, 1, 2, 3], zeroDivision: z },
        s[`macro_${z}`],
        `macro ${z}`,
      );
      expectPrfs(
        [1, 0, 1],
        [0, 0, 0],
        { average: 'binary', zeroDivision: z },
        s[`binary_nothing_predicted_${z}`],
        'np',
      );
      expectPrfs(
        [0, 0, 0],
        [0, 1, 0],
        { average: 'binary', zeroDivision: z },
        s[`binary_no_positives_${z}`],
        'nopos',
      );
      expectPrfs(
        [0, 0, 0],
        [0, 0, 0],
        { average: 'binary', zeroDivision: z },
        s[`binary_none_anywhere_${z}`],
        'none',
      );
    }
  });
});
