// @gptft/metrics: the numbers scikit-learn, seqeval, sacreBLEU and rouge-score give, in TypeScript.
//   npx tsx examples/metrics.ts
import { accuracyScore, corpusBleu, entityReport, f1Score, perplexityFromNll, rouge } from '@gptft/metrics';

export function metricsTour() {
  // Classification (scikit-learn): accuracy and binary F1 of the positive class 1.
  const accuracy = accuracyScore([1, 0, 1, 1, 0], [1, 0, 0, 1, 1]); // 0.6
  const f1 = f1Score([1, 0, 1, 1, 0], [1, 0, 0, 1, 1]); // 0.6666…
  const macroF1 = f1Score(['a', 'b', 'c', 'a'], ['a', 'b', 'a', 'a'], { average: 'macro', zeroDivision: 0 });

  // Named entities (seqeval's default mode): entity-level precision/recall/F1 per type and averaged.
  const ner = entityReport(
    [
      ['B-PER', 'I-PER', 'O', 'B-LOC'],
      ['B-ORG', 'O'],
    ],
    [
      ['B-PER', 'I-PER', 'O', 'O'],
      ['B-ORG', 'B-LOC'],
    ],
  );

  // Translation (sacreBLEU 13a): references[k][i] is the k-th reference of hypothesis i.
  const bleu = corpusBleu(
    ['The cat sat on the mat.', 'A dog runs in the park.'],
    [['The cat is on the mat.', 'A dog is running in the park.']],
  );

  // Summarisation (rouge-score, Porter stemmer): newlines separate sentences for ROUGE-Lsum.
  const r = rouge(['the cat was found\nunder the bed'], ['the cat was under the bed'], { useStemmer: true });

  // Language modelling: summed token NLLs (nats) over the number of predicted tokens.
  const ppl = perplexityFromNll(2 * Math.log(8) + Math.log(2), 3);

  console.log({ accuracy, f1, macroF1, nerF1: ner.microAvg.f1, types: ner.types });
  console.log(String(bleu)); // BLEU = 45.52 85.7/66.7/40.0/25.0 (BP = 0.931 …)
  console.log(r.mean.rouge1!.fmeasure, r.mean.rougeLsum!.fmeasure, ppl);
  return { accuracy, f1, macroF1, ner, bleu, rouge: r, ppl };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  metricsTour();
}
