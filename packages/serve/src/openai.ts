/**
 * OpenAI's chat and text completions on the batching engine: requests become engine jobs (prompt
 * ids, adapter, decoding settings), decoders become responses — whole, or streamed as
 * server-sent events in OpenAI's chunk format. Shapes follow the `openai` package's
 * `ChatCompletion`, `ChatCompletionChunk` and `Completion` types.
 */
import { randomUUID } from 'node:crypto';
import type { RowDecoder, RowDecoderOptions } from '@gptft/heads';
import type { ChatMessage, GPT2Tokenizer } from '@gptft/tokenizer';
import type { BatchEngine } from './engine.js';
import { invalid, modelNotFound } from './errors.js';
import type { ChatCompletionRequest, ChatMessageParam, CompletionRequest } from './schemas.js';

/** Server-wide settings the endpoints need. */
export interface CompletionContext {
  engine: BatchEngine;
  tokenizer: GPT2Tokenizer;
  /** Ids that end an assistant turn (chat completions). */
  chatStopIds: readonly number[];
  /** Ids that end a text completion. */
  completionStopIds: readonly number[];
  /** Largest `max_tokens` a request may ask for. */
  maxTokens: number;
  /** Largest `n`. */
  maxN: number;
}

/** OpenAI's `finish_reason` for a row. */
export type OpenAIFinishReason = 'stop' | 'length';

/** What a prepared request runs: one engine job per prompt, all with the same settings. */
export interface PreparedCompletion {
  model: string;
  prompts: number[][];
  n: number;
  decode: RowDecoderOptions;
  stream: boolean;
  includeUsage: boolean;
  /** Completions' `echo`: the prompt text in front of each choice. */
  echo: string[] | undefined;
}

// ---- requests → engine jobs --------------------------------------------------------------------

function messageText(m: ChatMessageParam): string {
  const c = m.content;
  if (c === null || c === undefined) return '';
  return typeof c === 'string' ? c : c.map((p) => p.text).join('');
}

/** Messages as the chat template takes them (`developer` is a system message, as OpenAI treats it). */
export function chatMessages(messages: readonly ChatMessageParam[]): ChatMessage[] {
  return messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: messageText(m),
  }));
}

/** A seed of any integer size as the 32-bit seed of the sampler. */
function seed32(seed: number): number {
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(seed))));
}

function checkModel(ctx: CompletionContext, model: string): void {
  if (!ctx.engine.router.names.includes(model)) throw modelNotFound(model, ctx.engine.router.names);
}

function decodeSettings(
  ctx: CompletionContext,
  r: ChatCompletionRequest | CompletionRequest,
  promptLength: number,
  requested: number | null | undefined,
  fallback: number,
  stopIds: readonly number[],
  tokenParam: string,
): RowDecoderOptions {
  const context = ctx.engine.model.config.nPositions - ctx.engine.router.reservedPositions(r.model);
  const vocab = ctx.engine.model.config.vocabSize;
  if (requested != null && requested > ctx.maxTokens)
    throw invalid(
      `${tokenParam} is ${requested}; this server allows at most ${ctx.maxTokens}.`,
      tokenParam,
      'invalid_value',
    );
  const room = context - promptLength;
  if (room < 1)
    throw invalid(
      `This model's maximum context length is ${context} tokens. However, your prompt has ${promptLength} tokens.`,
      tokenParam === 'max_tokens' && 'prompt' in r ? 'prompt' : 'messages',
      'context_length_exceeded',
    );
  if (requested != null && promptLength + requested > context)
    throw invalid(
      `This model's maximum context length is ${context} tokens. However, you requested ${promptLength + requested} tokens (${promptLength} in the prompt, ${requested} for the completion). Please reduce the prompt or ${tokenParam}.`,
      tokenParam,
      'context_length_exceeded',
    );
  const maxNewTokens = requested ?? Math.min(fallback, room, ctx.maxTokens);
  for (const k of Object.keys(r.logit_bias ?? {}))
    if (Number(k) >= vocab)
      throw invalid(
        `logit_bias: token id ${k} is outside the vocabulary (${vocab} tokens).`,
        'logit_bias',
        'invalid_value',
      );
  const temperature = r.temperature ?? 1;
  const topK = r.top_k ?? 0;
  return {
    maxNewTokens,
    eosTokenIds: stopIds,
    padTokenId: stopIds[0] ?? 0,
    doSample: temperature > 0,
    temperature: temperature > 0 ? temperature : 1,
    topP: r.top_p ?? 1,
    ...(topK > 0 && { topK }),
    repetitionPenalty: r.repetition_penalty ?? 1,
    presencePenalty: r.presence_penalty ?? 0,
    frequencyPenalty: r.frequency_penalty ?? 0,
    ...(r.logit_bias && {
      logitBias: Object.fromEntries(Object.entries(r.logit_bias).map(([k, v]) => [Number(k), v])),
    }),
    ...(r.seed != null && { seed: seed32(r.seed) }),
    ...(r.stop != null && { stopStrings: typeof r.stop === 'string' ? [r.stop] : r.stop }),
    tokenizer: ctx.tokenizer,
    skipSpecialTokens: true,
  };
}

function checkN(ctx: CompletionContext, n: number): void {
  if (n > ctx.maxN) throw invalid(`n is ${n}; this server allows at most ${ctx.maxN}.`, 'n', 'invalid_value');
}

/** A chat completion request as an engine job: messages through the tokenizer's chat template. */
export function prepareChat(ctx: CompletionContext, r: ChatCompletionRequest): PreparedCompletion {
  checkModel(ctx, r.model);
  if (ctx.tokenizer.chatTemplate === undefined)
    throw invalid('This model has no chat template; use /v1/completions.', 'messages', 'no_chat_template');
  let ids: number[];
  try {
    ids = ctx.tokenizer.applyChatTemplate(chatMessages(r.messages), { addGenerationPrompt: true });
  } catch (e) {
    throw invalid(`messages: the chat template failed: ${(e as Error).message}`, 'messages');
  }
  const n = r.n ?? 1;
  checkN(ctx, n);
  const requested = r.max_completion_tokens ?? r.max_tokens;
  const param = r.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
  return {
    model: r.model,
    prompts: [ids],
    n,
    decode: decodeSettings(ctx, r, ids.length, requested, Number.POSITIVE_INFINITY, ctx.chatStopIds, param),
    stream: r.stream ?? false,
    includeUsage: r.stream_options?.include_usage ?? false,
    echo: undefined,
  };
}

/** A text completion request as engine jobs: one per prompt (text or token ids). */
export function prepareCompletion(ctx: CompletionContext, r: CompletionRequest): PreparedCompletion {
  checkModel(ctx, r.model);
  const vocab = ctx.engine.model.config.vocabSize;
  const p = r.prompt;
  const raw: Array<string | number[]> =
    typeof p === 'string'
      ? [p]
      : typeof p[0] === 'string'
        ? (p as string[])
        : typeof p[0] === 'number'
          ? [p as number[]]
          : (p as number[][]);
  const prompts = raw.map((x, i) => {
    const ids = typeof x === 'string' ? ctx.tokenizer.encode(x) : x;
    if (ids.length === 0)
      throw invalid(`prompt${raw.length > 1 ? `[${i}]` : ''} is empty.`, 'prompt', 'invalid_value');
    const bad = ids.find((id) => id >= vocab);
    if (bad !== undefined)
      throw invalid(
        `prompt: token id ${bad} is outside the vocabulary (${vocab} tokens).`,
        'prompt',
        'invalid_value',
      );
    return ids;
  });
  const n = r.n ?? 1;
  checkN(ctx, n);
  if (r.best_of != null && r.best_of !== n)
    throw invalid(
      'best_of other than n is not supported by this server.',
      'best_of',
      'unsupported_parameter',
    );
  const longest = Math.max(...prompts.map((x) => x.length));
  return {
    model: r.model,
    prompts,
    n,
    decode: decodeSettings(ctx, r, longest, r.max_tokens, 16, ctx.completionStopIds, 'max_tokens'),
    stream: r.stream ?? false,
    includeUsage: r.stream_options?.include_usage ?? false,
    echo: r.echo ? raw.map((x) => (typeof x === 'string' ? x : ctx.tokenizer.decode(x))) : undefined,
  };
}

// ---- decoders → responses ----------------------------------------------------------------------

/** A row's text as OpenAI returns it: generated text with a stop string that ended it removed. */
export function choiceText(decoder: RowDecoder, row: number): string {
  const visible = decoder.text?.visible(row) ?? '';
  const stop = decoder.stopStringOf(row);
  return stop === undefined ? visible : visible.slice(0, Math.max(0, visible.length - stop.length));
}

export function finishReason(decoder: RowDecoder, row: number): OpenAIFinishReason {
  return decoder.finishReasons[row] === 'length' ? 'length' : 'stop';
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Token counts: prompts once each, every generated id of every choice (an eos included). */
export function usageOf(prompts: readonly number[][], decoders: readonly RowDecoder[]): Usage {
  const prompt = prompts.reduce((s, p) => s + p.length, 0);
  const completion = decoders.reduce((s, d) => s + d.newIds.reduce((t, ids) => t + ids.length, 0), 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const now = () => Math.floor(Date.now() / 1000);

/** `chat.completion` (OpenAI's `ChatCompletion`). */
export function chatCompletionBody(id: string, p: PreparedCompletion, decoders: readonly RowDecoder[]) {
  const d = decoders[0]!;
  return {
    id,
    object: 'chat.completion' as const,
    created: now(),
    model: p.model,
    choices: Array.from({ length: d.rows }, (_, i) => ({
      index: i,
      message: { role: 'assistant' as const, content: choiceText(d, i), refusal: null },
      logprobs: null,
      finish_reason: finishReason(d, i),
    })),
    usage: usageOf(p.prompts, decoders),
  };
}

/** `text_completion` (OpenAI's `Completion`): choice index = prompt index · n + sample. */
export function completionBody(id: string, p: PreparedCompletion, decoders: readonly RowDecoder[]) {
  return {
    id,
    object: 'text_completion' as const,
    created: now(),
    model: p.model,
    choices: decoders.flatMap((d, k) =>
      Array.from({ length: d.rows }, (_, i) => ({
        index: k * p.n + i,
        text: (p.echo?.[k] ?? '') + choiceText(d, i),
        logprobs: null,
        finish_reason: finishReason(d, i),
      })),
    ),
    usage: usageOf(p.prompts, decoders),
  };
}

export function newId(kind: 'chat' | 'text'): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`;
}

// ---- streaming ---------------------------------------------------------------------------------

/**
 * How much of a streamed row's text may be sent: everything once the row finished (its stop
 * string removed), otherwise all but the last `longest stop string − 1` characters, which might
 * still become the start of a stop string (vLLM holds back the same), never splitting a UTF-16
 * surrogate pair.
 */
export class ChoiceCursor {
  private sent = 0;
  private ended = false;
  private readonly holdBack: number;

  constructor(
    private readonly decoder: RowDecoder,
    private readonly row: number,
    stopStrings: readonly string[] | undefined,
  ) {
    this.holdBack = Math.max(0, ...(stopStrings ?? []).map((s) => s.length)) - 1;
    if (this.holdBack < 0) this.holdBack = 0;
  }

  /** New text that may be sent now, and the finish reason when the row just ended. */
  next(): { text: string; finish?: OpenAIFinishReason } {
    if (this.ended) return { text: '' };
    const d = this.decoder;
    if (d.isFinished(this.row)) {
      this.ended = true;
      const text = choiceText(d, this.row);
      const piece = text.slice(this.sent);
      this.sent = text.length;
      return { text: piece, finish: finishReason(d, this.row) };
    }
    const visible = d.text?.visible(this.row) ?? '';
    let end = Math.max(this.sent, visible.length - this.holdBack);
    const c = visible.charCodeAt(end - 1);
    if (end > this.sent && c >= 0xd800 && c <= 0xdbff) end--;
    const piece = visible.slice(this.sent, end);
    this.sent = end;
    return { text: piece };
  }
}

/** An SSE `data:` event. */
export function sseData(payload: unknown): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
}

/** A chat stream chunk of one choice (`chat.completion.chunk`); `usage: null` when the stream ends with usage. */
export function chatChunk(
  id: string,
  created: number,
  model: string,
  index: number,
  delta: { role?: 'assistant'; content?: string },
  finish: OpenAIFinishReason | null,
  withUsage: boolean,
) {
  return {
    id,
    object: 'chat.completion.chunk' as const,
    created,
    model,
    choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    ...(withUsage && { usage: null }),
  };
}

/** A text completion stream chunk of one choice (OpenAI streams `text_completion` objects). */
export function textChunk<F extends OpenAIFinishReason | null>(
  id: string,
  created: number,
  model: string,
  index: number,
  text: string,
  finish: F,
) {
  return {
    id,
    object: 'text_completion' as const,
    created,
    model,
    choices: [{ index, text, logprobs: null, finish_reason: finish }],
  };
}

/** The last chunk of a stream with `stream_options.include_usage`: no choices, the usage. */
export function usageChunk<K extends 'chat' | 'text'>(
  kind: K,
  id: string,
  created: number,
  model: string,
  usage: Usage,
) {
  return {
    id,
    object: (kind === 'chat' ? 'chat.completion.chunk' : 'text_completion') as K extends 'chat'
      ? 'chat.completion.chunk'
      : 'text_completion',
    created,
    model,
    choices: [] as never[],
    usage,
  };
}
