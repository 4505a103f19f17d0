/**
 * @gptft/serve — an OpenAI-compatible HTTP server for gptft language models: chat and text
 * completions (whole or streamed), many PEFT adapters on one loaded base picked by the request's
 * `model`, continuous batching on the KV cache, and a small chat page. `gptft serve` is this
 * package's `createServer` behind a command line.
 */
export {
  type AdapterRouter,
  BASE_MODEL,
  loadAdapters,
  MIXED_BATCH_KEY,
  PeftAdapterRouter,
} from './adapters.js';
export {
  BatchEngine,
  type BatchEngineOptions,
  type EngineStats,
  type GenerationRequest,
} from './engine.js';
export {
  ApiError,
  asApiError,
  invalid,
  modelNotFound,
  type OpenAIErrorBody,
  QueueFullError,
  RequestTimeoutError,
  ShuttingDownError,
} from './errors.js';
export {
  ChoiceCursor,
  type CompletionContext,
  chatChunk,
  chatCompletionBody,
  chatMessages,
  choiceText,
  completionBody,
  finishReason,
  type OpenAIFinishReason,
  type PreparedCompletion,
  prepareChat,
  prepareCompletion,
  textChunk,
  type Usage,
  usageChunk,
  usageOf,
} from './openai.js';
export {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
  type CompletionRequest,
  CompletionRequestSchema,
  parseRequest,
} from './schemas.js';
export { createServer, OpenAIServer, type ServeOptions } from './server.js';
