/**
 * @gptft/datasets — data for fine-tuning, without tensors: readers for JSONL, JSON arrays,
 * CSV/TSV, plain text, CoNLL/IOB and CoNLL-U (gzip detected by content; streaming with bounded
 * memory), zod record schemas whose errors name file, line and field, in-memory and streaming
 * datasets with seeded shuffles and splits, collators that return plain int32 batches, and
 * `loadDataset` for local folders and hub dataset repos.
 */
export { DataError, formatDataError, type Located, type SourceLocation } from './errors.js';
export { isGzipBytes, isGzipFile, type OpenOptions, readBytes } from './io/open.js';
export { type Line, MAX_STRING_LENGTH, readLines, readTextChunks, readTextFile } from './io/lines.js';
export { readJsonl } from './formats/jsonl.js';
export { readJson } from './formats/json.js';
export { type ColumnType, type CsvOptions, readCsv } from './formats/csv.js';
export { readText, type TextOptions } from './formats/text.js';
export { type ConllOptions, readConll } from './formats/conll.js';
export { CONLLU_COLUMNS, type ConlluColumn, type ConlluOptions, readConllu } from './formats/conllu.js';
export { DATA_FORMATS, type DataFormat, inferFormat, type ReadOptions, readRecords } from './read.js';
export {
  ErrorCollector,
  formatPath,
  formatReport,
  type OnError,
  type ValidateOptions,
  type ValidationReport,
  validateRecord,
} from './validate.js';
export {
  type AlpacaRecord,
  alpacaRecord,
  type ChatMessage,
  type ChatRecord,
  type ChatRole,
  chatMessage,
  chatRecord,
  chatRole,
  classLabel,
  type ShareGptFrom,
  type ShareGptRecord,
  shareGptFrom,
  shareGptRecord,
  type TextLabelRecord,
  type TextRecord,
  type TokensTagsRecord,
  textLabelRecord,
  textRecord,
  tokensTagsRecord,
} from './schemas.js';
export { type AlpacaToChatOptions, alpacaToChat, SHAREGPT_ROLES, shareGptToChat } from './convert.js';
export { SeededRandom } from '@gptft/backend';
export { Dataset, type TrainTestSplitOptions } from './dataset.js';
export { IterableDataset } from './iterable-dataset.js';
export {
  type DataFiles,
  globToRegExp,
  listFiles,
  resolveDataFiles,
  SPLIT_KEYWORDS,
  splitOfPath,
} from './data-files.js';
export {
  type DataFile,
  type DatasetDict,
  type IterableDatasetDict,
  type LoadDatasetOptions,
  loadDataset,
  type ReadDatasetOptions,
  type RecordOf,
  readFiles,
  streamFiles,
} from './load.js';
export {
  type Batch,
  type Collator,
  IGNORE_INDEX,
  type PaddingOptions,
  type TokenIds,
} from './collators/batch.js';
export { type CausalLMExample, causalLMCollator } from './collators/causal-lm.js';
export {
  type ChatCollatorOptions,
  type ChatExample,
  type ChatFormat,
  chatCollator,
  type ChatTokenizeOptions,
  type ChatTokenizer,
  tokenizeChat,
  toChatMessages,
  type ToChatMessagesOptions,
} from './collators/chat.js';
export { attentionAllowed } from './collators/mask.js';
export {
  type SequenceClassificationCollatorOptions,
  type SequenceClassificationExample,
  sequenceClassificationCollator,
} from './collators/sequence-classification.js';
export {
  type TokenClassificationExample,
  tokenClassificationCollator,
} from './collators/token-classification.js';
export {
  type PackableExample,
  type PackedBlock,
  Packer,
  type PackingOptions,
  packExamples,
  packExamplesAsync,
} from './collators/packing.js';
export { beginToInsideIds, buildLabelMap, type LabelMap, labelMapFromNames } from './labels.js';
export {
  type AlignedExample,
  type AlignOptions,
  alignLabelsWithTokens,
  type TokenizeAndAlignOptions,
  type TokenizerLike,
  tokenizeAndAlignLabels,
  tokenizeWords,
  type WordTokens,
} from './tokenize.js';
