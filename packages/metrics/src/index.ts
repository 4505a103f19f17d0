/**
 * @gptft/metrics — evaluation metrics checked against the reference tools: scikit-learn
 * (accuracy, precision/recall/F incl. multilabel, confusion matrix, Matthews correlation), SciPy
 * (Pearson, Spearman), seqeval (entity-level P/R/F1), sacreBLEU (BLEU with its tokenizers, chrF,
 * chrF++, TER), rouge-score (ROUGE-N/L/Lsum, NLTK's Porter stemmer and Punkt splitter, bootstrap
 * aggregation), Hugging Face evaluate's exact_match, and perplexity. Pure TypeScript.
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
export type { MultilabelIndicator } from './multilabel.js';
export {
  confusionMatrix,
  multilabelConfusionMatrix,
  matthewsCorrcoef,
  multilabelMatthewsCorrcoef,
  type ConfusionMatrix,
  type ConfusionMatrixOptions,
} from './confusion.js';
export { exactMatch, type ExactMatchOptions } from './exact-match.js';
export {
  pearsonr,
  spearmanr,
  rankdata,
  type CorrelationResult,
  type CorrelationOptions,
} from './regression.js';
export { tokenize13a } from './tokenizer-13a.js';
export {
  tokenizeIntl,
  tokenizeZh,
  tokenizeChar,
  isZhChar,
  type SacrebleuTokenizerName,
} from './sacrebleu-tokenizers.js';
export { corpusChrf, sentenceChrf, chrfFromStats, type ChrfOptions, type ChrfScore } from './chrf.js';
export {
  corpusTer,
  sentenceTer,
  tokenizeTercom,
  translationEditRate,
  type TerOptions,
  type TerScore,
} from './ter.js';
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
  type RougeCorpusOptions,
  type RougeResult,
} from './rouge.js';
export {
  BootstrapAggregator,
  type AggregateScore,
  type BootstrapOptions,
} from './rouge-bootstrap.js';
export {
  PunktSentenceTokenizer,
  punktParametersFromTab,
  EMPTY_PUNKT_PARAMETERS,
  type PunktParameters,
} from './punkt.js';
export { perplexity, perplexityFromMeanNll, perplexityFromNll } from './perplexity.js';
export {
  factAccuracy,
  isFactCorrect,
  containsFact,
  normalizeFactText,
  type FactReference,
  type FactAccuracyOptions,
} from './fact-accuracy.js';
