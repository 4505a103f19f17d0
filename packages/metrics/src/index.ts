/**
 * @gptft/metrics — evaluation metrics checked against the reference tools: scikit-learn
 * (accuracy, precision/recall/F), seqeval (entity-level P/R/F1), sacreBLEU (corpus BLEU),
 * rouge-score (ROUGE-N/L/Lsum with NLTK's Porter stemmer), and perplexity. Pure TypeScript.
 */
export { MetricInputError, type WarningHandler } from './errors.js';
export type { Label } from './labels.js';
export { accuracyScore, precisionScore, recallScore, f1Score, fbetaScore } from './classification-scores.js';
export {
  precisionRecallFscoreSupport,
  type Average,
  type ZeroDivision,
  type PrfOptions,
  type PerLabelScores,
  type AveragedScores,
} from './classification.js';
export {
  classificationReport,
  formatReport,
  type ClassificationReport,
  type ReportRow,
  type ReportLike,
} from './report.js';
export { getEntities, type Chunk } from './entity-chunks.js';
export {
  strictEntities,
  detectScheme,
  TAGGING_SCHEMES,
  type TaggingScheme,
  type StrictEntity,
} from './entity-schemes.js';
export {
  entityReport,
  entityPrecisionRecallF1,
  tokenAccuracy,
  type EntityMetricOptions,
  type EntityReport,
  type EntityRow,
} from './seqeval.js';
export { tokenize13a } from './tokenizer-13a.js';
export {
  corpusBleu,
  sentenceBleu,
  computeBleu,
  SACREBLEU_VERSION,
  type BleuOptions,
  type BleuScore,
  type BleuSmoothMethod,
} from './bleu.js';
export { PorterStemmer, type PorterMode } from './porter-stemmer.js';
export {
  RougeScorer,
  rouge,
  rougeTokenize,
  type RougeType,
  type RougeScore,
  type RougeOptions,
  type RougeResult,
} from './rouge.js';
export { perplexity, perplexityFromMeanNll, perplexityFromNll } from './perplexity.js';
export {
  factAccuracy,
  isFactCorrect,
  containsFact,
  normalizeFactText,
  type FactReference,
  type FactAccuracyOptions,
} from './fact-accuracy.js';
