/**
 * `@gptft/tokenizer`: GPT-2's byte-level BPE tokenizer with Hugging Face's API in camelCase.
 *
 * ```ts
 * import { GPT2Tokenizer } from '@gptft/tokenizer';
 * const tok = GPT2Tokenizer.gpt2();             // GPT-2's vocabulary, no files needed
 * tok.encode('Hello, my name is');              // [15496, 11, 616, 1438, 318]
 * ```
 */
export {
  type AddedToken,
  type AddedTokenInput,
  type AddedTokenOptions,
  type AllowedSpecial,
  AddedVocabulary,
  type Segment,
  toAddedToken,
} from './added-tokens.js';
export type { BatchEncoding, RowEncoding } from './batch.js';
export { ByteLevelBPE, type ByteLevelBPEOptions, type Merge } from './bpe.js';
export { BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel } from './byte-level.js';
export { pythonJson, tokenizerFiles, writeTokenizerFolder } from './hf-folder-write.js';
export { parseMerges, parseVocab, readTokenizerFolder, TOKENIZER_FILES } from './hf-folder.js';
export { TokenizerFileError } from './json-file.js';
export { tokenSpans } from './offsets.js';
export { GPT2_SPLIT_PATTERN, GPT2_SPLIT_REGEX, pretokenize } from './pretokenize.js';
export {
  GPT2_EOS,
  GPT2_EOS_ID,
  GPT2_MODEL_MAX_LENGTH,
  gpt2Files,
  gpt2Merges,
  gpt2Vocab,
  isGpt2Vocabulary,
  r50kEncode,
} from './r50k.js';
export {
  cleanUpTokenization,
  type DecodeOptions,
  StreamDecoder,
  type TokenBytesSource,
} from './stream-decoder.js';
export type {
  ApplyChatTemplateOptions,
  CallOptions,
  ChatEncoding,
  EncodeOptions,
  Encoding,
  Engine,
  FromPretrainedOptions,
  SpecialTokensInput,
  TokenizerOptions,
} from './options.js';
export { GPT2Tokenizer } from './tokenizer.js';
export { TokenizerVocabulary } from './vocabulary.js';
export {
  DEFAULT_SETTINGS,
  type SpecialTokens,
  type TokenizerData,
  type TokenizerSettings,
} from './tokenizer-data.js';
export { alignLabelsWithTokens, type AlignLabelsOptions } from './word-alignment.js';
export {
  type BpeTrainingResult,
  type TrainBpeOptions,
  trainBpeMerges,
  trainByteLevelBpe,
} from './bpe-trainer.js';
export { chatStopIds, type SetupChatFormatOptions, setupChatFormat, specialTokenId } from './chat-format.js';
export {
  type AssistantSpanOptions,
  CHATML_END,
  CHATML_START,
  CHATML_TEMPLATE,
  type ChatMessage,
  ChatTemplateError,
  type ChatTemplateOptions,
  type ChatTemplateSetting,
  hasGenerationBlocks,
  type RenderedChat,
  renderChat,
  renderChatWithAssistantSpans,
  resolveChatTemplate,
  spansToTokenMask,
  type TemplateContext,
} from './chat-template.js';
