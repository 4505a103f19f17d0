/**
 * Metric throughput on real data. Run with `pnpm bench` (tsx). Uses the project's shared/data when
 * present, else the committed excerpts (repeated to a useful size). Prints items/s and peak RSS.
 */
import { existsSync } from 'node:fs';
import {
  PorterStemmer,
  corpusBleu,
  corpusChrf,
  corpusTer,
  entityReport,
  precisionRecallFscoreSupport,
  rouge,
} from '../src/index.js';
import {
  DATA,
  type DialogSumRecord,
  FIXTURES,
  type Gsm8kRecord,
  dropEvery,
  leadTwoTurns,
  perturbTags,
  questionLines,
  readConll,
  readJsonl,
  readLines,
  sentenceLines,
  tagsOf,
} from '../test/inputs.js';

let peakRss = process.memoryUsage().rss;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const pick = (shared: string, fixture: string) =>
  existsSync(new URL(shared, DATA)) ? new URL(shared, DATA) : new URL(fixture, FIXTURES);

function time<T>(label: string, items: number, unit: string, fn: () => T): T {
  fn(); // warm up
  const reps = 3;
  let best = Number.POSITIVE_INFINITY;
  let out!: T;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    out = fn();
    best = Math.min(best, performance.now() - t0);
    sample();
  }
  const rate = (items / best) * 1000;
  console.log(
    `${label.padEnd(52)} ${best.toFixed(1).padStart(8)} ms  ${Math.round(rate).toLocaleString('en-US').padStart(12)} ${unit}/s`,
  );
  return out;
}

const repeat = <T>(a: T[], n: number) => Array.from({ length: n }, () => a).flat();

// BLEU / chrF / TER: Multi30k test English (else the Gutenberg excerpt), every 7th word dropped,
// vs the original; BLEU and chrF repeated to 10k segments, TER on the 1,000 (or 40) as they are.
const testEn = readLines(pick('multi30k/test_2016_flickr.en', 'gutenberg.pg1342.para40'));
const refs = repeat(testEn, Math.ceil(10_000 / testEn.length)).slice(0, 10_000);
const hyps = refs.map((l) => dropEvery(l, 7));
const bleu = time('corpusBleu, 13a, 10,000 segments', hyps.length, 'segments', () =>
  corpusBleu(hyps, [refs]),
);
console.log(`  ${String(bleu)}`);
time('corpusBleu, intl, 10,000 segments', hyps.length, 'segments', () =>
  corpusBleu(hyps, [refs], { tokenize: 'intl' }),
);
const chrf = time('corpusChrf, chrF++, 10,000 segments', hyps.length, 'segments', () =>
  corpusChrf(hyps, [refs], { wordOrder: 2 }),
);
console.log(`  ${String(chrf)}`);
const ter = time(`corpusTer, ${testEn.length} segments`, testEn.length, 'segments', () =>
  corpusTer(
    testEn.map((l) => dropEvery(l, 7)),
    [testEn],
  ),
);
console.log(`  ${String(ter)}`);

// ROUGE: DialogSum dev, lead-2 turns vs summary (else the GSM8K excerpt, question vs answer).
const haveDialogSum = existsSync(new URL('dialogsum/dialogsum.dev.jsonl', DATA));
const dev = haveDialogSum ? readJsonl<DialogSumRecord>(new URL('dialogsum/dialogsum.dev.jsonl', DATA)) : [];
const gsm = readJsonl<Gsm8kRecord>(new URL('gsm8k.test.head20.jsonl', FIXTURES));
const preds = haveDialogSum
  ? dev.map((r) => leadTwoTurns(r.dialogue))
  : gsm.map((r) => questionLines(r.question));
const sums = haveDialogSum ? dev.map((r) => sentenceLines(r.summary!)) : gsm.map((r) => r.answer);
for (const useStemmer of [false, true]) {
  const r = time(
    `rouge 1/2/L/Lsum, ${useStemmer ? 'stemmer' : 'no stemmer'}, ${preds.length} examples`,
    preds.length,
    'examples',
    () => rouge(preds, sums, { useStemmer, useAggregator: false }),
  );
  console.log(
    `  rouge1 F ${r.mean.rouge1!.fmeasure.toFixed(4)}  rougeLsum F ${r.mean.rougeLsum!.fmeasure.toFixed(4)}`,
  );
}
const agg = time(
  `rouge + bootstrap aggregate (1000 samples), ${preds.length} examples`,
  preds.length,
  'examples',
  () => rouge(preds, sums),
);
console.log(`  rouge1 mid F ${agg.aggregate!.rouge1!.mid.fmeasure.toFixed(4)} (seed 0)`);

// Porter stemmer on distinct words.
const words = [
  ...new Set(preds.flatMap((p) => p.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length > 3)),
];
time(`PorterStemmer.stem, ${words.length} distinct words`, words.length, 'words', () => {
  const s = new PorterStemmer();
  return words.map((w) => s.stem(w));
});

// seqeval: WNUT-17 dev gold vs perturbed, 10× the sentences.
const gold = repeat(tagsOf(readConll(pick('wnut17/emerging.dev.conll', 'wnut17.dev.head120.conll'))), 10);
const pred = perturbTags(gold);
const tokens = gold.reduce((s, x) => s + x.length, 0);
for (const mode of ['default', 'strict'] as const) {
  time(`entityReport ${mode}, ${tokens.toLocaleString('en-US')} tokens`, tokens, 'tokens', () =>
    entityReport(gold, pred, { mode, scheme: 'IOB2', onWarning: () => {} }),
  );
}

// scikit-learn style P/R/F on the flattened tags as 13 classes.
const yt = gold.flat();
const yp = pred.flat();
time(
  `precisionRecallFscoreSupport macro, ${yt.length.toLocaleString('en-US')} labels`,
  yt.length,
  'labels',
  () => precisionRecallFscoreSupport(yt, yp, { average: 'macro', onWarning: () => {} }),
);

sample();
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
