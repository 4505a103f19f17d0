import { describe, expect, it } from 'vitest';
import {
  type Average,
  type MultilabelIndicator,
  type PrfOptions,
  accuracyScore,
  confusionMatrix,
  exactMatch,
  f1Score,
  matthewsCorrcoef,
  multilabelConfusionMatrix,
  multilabelMatthewsCorrcoef,
  pearsonr,
  precisionRecallFscoreSupport,
  rankdata,
  spearmanr,
} from '../src/index.js';
import {
  DATA,
  FIXTURES,
  type Gsm8kRecord,
  close,
  emPrediction,
  entityTypeIndicator,
  finalAnswer,
  lexiconPredict,
  lexiconScore,
  needsData,
  perturbTags,
  readConll,
  readJson,
  readJsonl,
  rtLines,
  sst2Dev,
  tagsOf,
  wnut17Full,
} from './inputs.js';

const sk = readJson('sklearn-more.json.gz');
const sp = readJson('scipy.json.gz');
const ev = readJson('evaluate.json');
const quiet = { onWarning: () => {} };

const closeAll = (got: number | number[] | null, want: number | number[] | null) => {
  if (want === null) return true;
  if (Array.isArray(want))
    return Array.isArray(got) && got.length === want.length && got.every((g, i) => close(g, want[i]!));
  return typeof got === 'number' && close(got, want);
};

function expectPrfs(
  yt: MultilabelIndicator,
  yp: MultilabelIndicator,
  opts: PrfOptions<number>,
  want: any,
  what: string,
) {
  expect(want, what).toBeDefined();
  const r = precisionRecallFscoreSupport(yt, yp, { ...quiet, ...opts }) as any;
  expect(closeAll(r.precision, want.precision), `${what} precision ${r.precision} vs ${want.precision}`).toBe(
    true,
  );
  expect(closeAll(r.recall, want.recall), `${what} recall`).toBe(true);
  expect(closeAll(r.fScore, want.fscore), `${what} fscore`).toBe(true);
  if (Array.isArray(want.support)) expect(r.support, `${what} support`).toEqual(want.support);
}

const wnutHead = () => tagsOf(readConll(new URL('wnut17.dev.head120.conll', FIXTURES)));
const indicators = (gold: string[][]) => [
  gold.map(entityTypeIndicator),
  perturbTags(gold).map(entityTypeIndicator),
];

function checkMultilabel(gold: string[][], want: any) {
  const [yt, yp] = indicators(gold);
  expect([yt!.length, yt!.flat().reduce((a, b) => a + b, 0), yp!.flat().reduce((a, b) => a + b, 0)]).toEqual([
    want.n,
    want.n_true_labels,
    want.n_pred_labels,
  ]);
  expect(close(accuracyScore(yt!, yp!), want.subset_accuracy)).toBe(true);
  const w = yt!.map((_, i) => (i % 4) + 1);
  expect(close(accuracyScore(yt!, yp!, { sampleWeight: w }), want.subset_accuracy_weights)).toBe(true);
  for (const avg of [null, 'micro', 'macro', 'weighted', 'samples'] as (Average | null)[]) {
    const key = `avg_${avg ?? 'None'}`; // Python's f"avg_{None}"
    expectPrfs(yt!, yp!, { average: avg }, want[key], `avg ${avg}`);
    expectPrfs(
      yt!,
      yp!,
      { average: avg, labels: [3, 0, 5] },
      want[`${key}_labels_3_0_5`],
      `avg ${avg} labels`,
    );
    expectPrfs(yt!, yp!, { average: avg, sampleWeight: w }, want[`${key}_weights`], `avg ${avg} weights`);
  }
  for (const z of [0, 1] as const) {
    expectPrfs(
      yt!,
      yp!,
      { average: 'samples', zeroDivision: z },
      want[`samples_zero_division_${z}`],
      `samples zd ${z}`,
    );
  }
  expectPrfs(yt!, yp!, { average: 'samples', beta: 2 }, want.samples_beta_2, 'samples beta 2');
  expect(multilabelConfusionMatrix(yt!, yp!)).toEqual(want.mcm);
  expect(multilabelConfusionMatrix(yt!, yp!, { samplewise: true }).slice(0, 20)).toEqual(
    want.mcm_samplewise_head,
  );
}

describe('multilabel precision / recall / F against scikit-learn 1.2.1 (WNUT-17 sentences → entity types present)', () => {
  it('120-sentence excerpt (committed): every average incl. samples, labels, weights, zeroDivision, subset accuracy', () => {
    checkMultilabel(wnutHead(), sk.multilabel_wnut17_dev_head120);
  });

  it('full dev (1,009 sentences) and test (1,287), from test-data/wnut17/full', () => {
    checkMultilabel(tagsOf(wnut17Full('emerging.dev.conll')), sk.multilabel_wnut17_dev);
    checkMultilabel(tagsOf(wnut17Full('emerging.test.annotated')), sk.multilabel_wnut17_test);
  });

  it("hand-checked 'samples' average and the errors scikit-learn raises", () => {
    // sample 0: true {0,1}, pred {1}: P 1, R 1/2; sample 1: true {2}, pred {2}: P 1, R 1 → P 1, R 3/4
    const yt = [
      [1, 1, 0],
      [0, 0, 1],
    ];
    const yp = [
      [0, 1, 0],
      [0, 0, 1],
    ];
    const r = precisionRecallFscoreSupport(yt, yp, { average: 'samples' });
    expect([r.precision, r.recall]).toEqual([1, 0.75]);
    expect(r.fScore).toBeCloseTo((2 / 3 + 1) / 2, 15);
    expect(accuracyScore(yt, yp)).toBe(0.5);
    expect(() => f1Score(yt, yp)).toThrow(/multilabel-indicator but average is 'binary'/);
    expect(() => precisionRecallFscoreSupport([0, 1], [1, 1], { average: 'samples' })).toThrow(
      /only meaningful/,
    );
    expect(() => precisionRecallFscoreSupport(yt, yp, { average: 'macro', labels: [3] })).toThrow(
      /Got 3 > 2/,
    );
    expect(() =>
      precisionRecallFscoreSupport(
        yt,
        [
          [0, 2, 0],
          [0, 0, 1],
        ],
        {},
      ),
    ).toThrow(/yPred\[0\]\[1\] is 2/);
    expect(() =>
      precisionRecallFscoreSupport(
        yt,
        [
          [0, 1],
          [0, 0],
        ],
        {},
      ),
    ).toThrow(/yPred\[0\] has 2 columns/);
  });
});

describe('confusion matrix and Matthews correlation against scikit-learn 1.2.1', () => {
  const tagCases = (gold: string[][], want: any) => {
    const yt = gold.flat();
    const yp = perturbTags(gold).flat();
    const w = yt.map((_, i) => (i % 3) + 1);
    expect(close(matthewsCorrcoef(yt, yp), want.mcc)).toBe(true);
    expect(close(matthewsCorrcoef(yt, yp, { sampleWeight: w }), want.mcc_weights)).toBe(true);
    const cm = confusionMatrix(yt, yp);
    expect(cm.labels).toEqual(want.labels);
    expect(cm.matrix).toEqual(want.cm);
    const noO = want.labels.filter((l: string) => l !== 'O');
    expect(confusionMatrix(yt, yp, { labels: noO }).matrix).toEqual(want.cm_no_O);
    expect(confusionMatrix(yt, yp, { sampleWeight: w }).matrix).toEqual(want.cm_weights);
    for (const n of ['true', 'pred', 'all'] as const) {
      const m = confusionMatrix(yt, yp, { normalize: n }).matrix;
      expect(closeAll(m.flat(), want[`cm_${n}`].flat()), `normalize ${n}`).toBe(true);
      const m2 = confusionMatrix(yt, yp, { labels: [...noO, 'B-absent'], normalize: n }).matrix;
      expect(closeAll(m2.flat(), want[`cm_no_O_${n}`].flat()), `labels normalize ${n}`).toBe(true);
    }
  };
  const binaryCases = (pos: string[], neg: string[], want: any) => {
    const yt = [...pos.map(() => 1), ...neg.map(() => 0)];
    const yp = [...pos, ...neg].map(lexiconPredict);
    expect(yt.length).toBe(want.n);
    expect(close(accuracyScore(yt, yp), want.accuracy)).toBe(true);
    expect(close(matthewsCorrcoef(yt, yp), want.mcc)).toBe(true);
    const s = (v: number) => (v ? 'pos' : 'neg');
    expect(close(matthewsCorrcoef(yt.map(s), yp.map(s)), want.mcc_strings)).toBe(true);
    expect(confusionMatrix(yt, yp).matrix).toEqual(want.cm);
    expect(confusionMatrix(yt, yp, { labels: [1, 0] }).matrix).toEqual(want.cm_labels_1_0);
  };
  const rt = (name: string) => rtLines(new URL(`rt-polarity.${name}.head100`, FIXTURES));

  it('WNUT-17 token tags, 120-sentence excerpt (committed): MCC, weights, labels, normalize', () => {
    tagCases(wnutHead(), sk.tags_wnut17_dev_head120);
  });

  it('sentence polarity (rt-polarity, 200-sentence committed excerpt), keyword classifier: binary MCC and matrix', () => {
    binaryCases(rt('pos'), rt('neg'), sk.rt_polarity_head100);
  });

  it.skipIf(!needsData('nltk-sentence-polarity/rt-polarity.pos', 'the full rt-polarity checks'))(
    'rt-polarity (10,662 sentences) and WNUT-17 dev tags from shared/data',
    () => {
      const all = (n: string) => rtLines(new URL(`nltk-sentence-polarity/rt-polarity.${n}`, DATA));
      binaryCases(all('pos'), all('neg'), sk.rt_polarity);
      tagCases(tagsOf(wnut17Full('emerging.dev.conll')), sk.tags_wnut17_dev);
    },
  );

  it.skipIf(!needsData('sst2/dev.tsv', 'the MCC check on SST-2 dev'))('SST-2 dev keyword classifier', () => {
    const { labels, texts } = sst2Dev();
    const pred = texts.map(lexiconPredict);
    expect(close(matthewsCorrcoef(labels, pred), sk.sst2_dev_lexicon.mcc)).toBe(true);
    expect(confusionMatrix(labels, pred).matrix).toEqual(sk.sst2_dev_lexicon.cm);
  });

  it('small cases: undefined MCC is 0, empty input with labels, a label listed twice', () => {
    expect(matthewsCorrcoef([0, 1, 1, 0], [1, 1, 1, 1])).toBe(sk.small.mcc_constant_pred);
    expect(matthewsCorrcoef([0, 1, 2, 2], [0, 1, 2, 2])).toBe(sk.small.mcc_perfect_multiclass);
    expect(confusionMatrix<number>([], [], { labels: [0, 1] }).matrix).toEqual(
      sk.small.cm_empty_labels_given,
    );
    expect(confusionMatrix([0, 1, 1, 2], [0, 1, 2, 2], { labels: [0, 1, 1, 2] }).matrix).toEqual(
      sk.small.cm_duplicate_label,
    );
    // hand-checked: tp 2, fn 1, fp 1, tn 0 → (0·2 − 1·1) / sqrt(3·3·1·1) = −1/3
    expect(matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1])).toBeCloseTo(-1 / 3, 15);
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [5] })).toThrow(/At least one label/);
  });

  it("evaluate's matthews_correlation (multilabel config) and confusion_matrix", () => {
    const [yt, yp] = indicators(wnutHead());
    const per = multilabelMatthewsCorrcoef(yt!, yp!) as number[];
    expect(closeAll(per, ev.matthews_multilabel_wnut17_dev_head120.per_label)).toBe(true);
    expect(
      close(
        multilabelMatthewsCorrcoef(yt!, yp!, { average: 'macro' }) as number,
        ev.matthews_multilabel_wnut17_dev_head120.macro,
      ),
    ).toBe(true);
    const rtYt = [...Array(100).fill(1), ...Array(100).fill(0)];
    const rtYp = [...rt('pos'), ...rt('neg')].map(lexiconPredict);
    expect(confusionMatrix(rtYt, rtYp).matrix).toEqual(ev.confusion_matrix_rt_head100.null);
    expect(
      closeAll(
        confusionMatrix(rtYt, rtYp, { normalize: 'true' }).matrix.flat(),
        ev.confusion_matrix_rt_head100.true.flat(),
      ),
    ).toBe(true);
  });
});

// p-values come from special functions (log-gamma, incomplete beta): checked to 1e-10 relative.
const closeP = (got: number, want: number) =>
  Number.isNaN(want) ? Number.isNaN(got) : Math.abs(got - want) <= 1e-10 * Math.abs(want) + 1e-300;

function checkCorr(want: { x: number[]; y: number[]; pearson: number[]; spearman: number[] }, what: string) {
  const p = pearsonr(want.x, want.y, quiet);
  const s = spearmanr(want.x, want.y, quiet);
  expect(close(p.statistic, want.pearson[0]!), `${what} pearson r ${p.statistic} vs ${want.pearson[0]}`).toBe(
    true,
  );
  expect(closeP(p.pvalue, want.pearson[1]!), `${what} pearson p ${p.pvalue} vs ${want.pearson[1]}`).toBe(
    true,
  );
  expect(close(s.statistic, want.spearman[0]!), `${what} spearman rho`).toBe(true);
  expect(closeP(s.pvalue, want.spearman[1]!), `${what} spearman p ${s.pvalue} vs ${want.spearman[1]}`).toBe(
    true,
  );
}

describe('Pearson and Spearman correlations against SciPy 1.10.1', () => {
  it('committed excerpts: WNUT-17 sentence lengths vs entity tokens, GSM8K lengths, rt-polarity keyword score vs label', () => {
    const gold = wnutHead();
    const pred = perturbTags(gold);
    const wn = sp.wnut17_dev_head120;
    expect(wn.length_vs_entity_tokens.x).toEqual(gold.map((s) => s.length));
    expect(wn.gold_vs_pred_entity_tokens.y).toEqual(pred.map((s) => s.filter((t) => t !== 'O').length));
    checkCorr(wn.length_vs_entity_tokens, 'wnut length');
    checkCorr(wn.gold_vs_pred_entity_tokens, 'wnut entities');
    const gsm = readJsonl<Gsm8kRecord>(new URL('gsm8k.test.head20.jsonl', FIXTURES));
    expect(sp.gsm8k_test_head20.question_vs_answer_words.x).toEqual(
      gsm.map((r) => r.question.split(/\s+/).filter(Boolean).length),
    );
    checkCorr(sp.gsm8k_test_head20.question_vs_answer_words, 'gsm words');
    checkCorr(sp.gsm8k_test_head20.answer_words_vs_final_answer, 'gsm answers');
    const texts = [
      ...rtLines(new URL('rt-polarity.pos.head100', FIXTURES)),
      ...rtLines(new URL('rt-polarity.neg.head100', FIXTURES)),
    ];
    expect(sp.rt_polarity_head100.lexicon_score_vs_label.x).toEqual(texts.map(lexiconScore));
    checkCorr(sp.rt_polarity_head100.lexicon_score_vs_label, 'rt');
  });

  it.skipIf(
    !needsData(
      'nltk-sentence-polarity/rt-polarity.pos',
      'correlations on the full WNUT-17 dev, GSM8K test and rt-polarity',
    ),
  )('full WNUT-17 dev (1,009), GSM8K test (1,319), rt-polarity (10,662) from shared/data', () => {
    checkCorr(sp.wnut17_dev.length_vs_entity_tokens, 'wnut length');
    checkCorr(sp.wnut17_dev.gold_vs_pred_entity_tokens, 'wnut entities');
    checkCorr(sp.gsm8k_test.question_vs_answer_words, 'gsm words');
    checkCorr(sp.gsm8k_test.answer_words_vs_final_answer, 'gsm answers');
    checkCorr(sp.rt_polarity.lexicon_score_vs_label, 'rt');
  });

  it('small cases: n = 3, n = 2, ties, perfect and inverse relations', () => {
    for (const [k, v] of Object.entries<any>(sp.small)) checkCorr(v, k);
  });

  it("evaluate's pearsonr / spearmanr (return_pvalue) on GSM8K question vs answer lengths", () => {
    const gsm = readJsonl<Gsm8kRecord>(new URL('gsm8k.test.head20.jsonl', FIXTURES));
    const q = gsm.map((r) => r.question.split(/\s+/).filter(Boolean).length);
    const a = gsm.map((r) => r.answer.split(/\s+/).filter(Boolean).length);
    // evaluate calls pearsonr(references, predictions) with predictions = q, references = a
    const p = pearsonr(a, q);
    expect(close(p.statistic, ev.pearsonr_gsm8k_head20.pearsonr)).toBe(true);
    expect(closeP(p.pvalue, ev.pearsonr_gsm8k_head20['p-value'])).toBe(true);
    const s = spearmanr(a, q);
    expect(close(s.statistic, ev.spearmanr_gsm8k_head20.spearmanr)).toBe(true);
    expect(closeP(s.pvalue, ev.spearmanr_gsm8k_head20.spearmanr_pvalue)).toBe(true);
  });

  it('hand-checked: ranks average ties; constant input gives NaN with a warning', () => {
    expect(rankdata([10, 20, 10, 30])).toEqual([1.5, 3, 1.5, 4]);
    const warnings: string[] = [];
    expect(pearsonr([1, 1, 1], [1, 2, 3], { onWarning: (m) => warnings.push(m) }).statistic).toBeNaN();
    expect(spearmanr([1, 2, 3], [5, 5, 5], { onWarning: (m) => warnings.push(m) }).pvalue).toBeNaN();
    expect(warnings).toHaveLength(2);
    expect(pearsonr([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]).statistic).toBeCloseTo(0.7745966692414834, 15);
    expect(() => pearsonr([1, 2], [1])).toThrow(/same length/);
    expect(() => pearsonr([1, Number.NaN], [1, 2])).toThrow(/x\[1\]/);
  });
});

describe("exact_match against Hugging Face evaluate's metric (GSM8K final answers vs perturbed answers)", () => {
  const cases = (records: Gsm8kRecord[], want: any) => {
    const refs = records.map((r) => finalAnswer(r.answer));
    const preds = refs.map((a, i) => emPrediction(a, i));
    expect(refs.length).toBe(want.n);
    const opts = {
      plain: {},
      ignore_case: { ignoreCase: true },
      ignore_punctuation: { ignorePunctuation: true },
      ignore_numbers: { ignoreNumbers: true },
      regexes: { regexesToIgnore: ['The answer is ', '^ANSWER: '] },
      all: {
        regexesToIgnore: ['the answer is '],
        ignoreCase: true,
        ignorePunctuation: true,
        ignoreNumbers: false,
      },
      case_punct: { ignoreCase: true, ignorePunctuation: true },
    };
    for (const [k, o] of Object.entries(opts)) expect(exactMatch(preds, refs, o), k).toBe(want[k]);
  };

  it('GSM8K test, 20-record excerpt (committed): every option', () => {
    cases(
      readJsonl<Gsm8kRecord>(new URL('gsm8k.test.head20.jsonl', FIXTURES)),
      ev.exact_match_gsm8k_test_head20,
    );
  });

  it.skipIf(!needsData('gsm8k/test.jsonl', 'exact_match on the full GSM8K test'))(
    'GSM8K test (1,319) from shared/data',
    () => {
      cases(readJsonl<Gsm8kRecord>(new URL('gsm8k/test.jsonl', DATA)), ev.exact_match_gsm8k_test);
    },
  );

  it('hand-checked options and errors', () => {
    expect(
      exactMatch(['The Cat.', 'dog'], ['the cat', 'Dog'], { ignoreCase: true, ignorePunctuation: true }),
    ).toBe(1);
    expect(exactMatch(['a1', 'b'], ['a2', 'b'])).toBe(0.5);
    expect(exactMatch(['a1', 'b'], ['a2', 'b'], { ignoreNumbers: true })).toBe(1);
    expect(exactMatch(['x-y'], ['xy'], { regexesToIgnore: [/-/] })).toBe(1);
    expect(() => exactMatch(['a'], [])).toThrow(/one per prediction/);
    expect(() => exactMatch(['a'], ['a'], { regexesToIgnore: ['('] })).toThrow(/regexesToIgnore\[0\]/);
  });
});
