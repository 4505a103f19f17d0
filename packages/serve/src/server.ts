import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { GPT2LMHeadModel, RowDecoder } from '@gptft/heads';
import type { PeftModel } from '@gptft/peft';
import { chatStopIds, type GPT2Tokenizer } from '@gptft/tokenizer';
import { type AdapterRouter, PeftAdapterRouter } from './adapters.js';
import { BatchEngine } from './engine.js';
import { ApiError, asApiError, modelNotFound, RequestTimeoutError, ShuttingDownError } from './errors.js';
import {
  ChoiceCursor,
  type CompletionContext,
  chatCompletionBody,
  chatChunk,
  completionBody,
  newId,
  type OpenAIFinishReason,
  type PreparedCompletion,
  prepareChat,
  prepareCompletion,
  sseData,
  textChunk,
  usageChunk,
  usageOf,
} from './openai.js';
import { ChatCompletionRequestSchema, CompletionRequestSchema, parseRequest } from './schemas.js';

/** Options of {@link createServer}. */
export interface ServeOptions {
  /** The loaded language model (with its adapters attached through `peft`, if any). */
  model: GPT2LMHeadModel;
  tokenizer: GPT2Tokenizer;
  /** The `PeftModel` holding the adapters requests may pick by name (`model: "<adapter>"`). */
  peft?: PeftModel<GPT2LMHeadModel>;
  /** Replaces the default {@link PeftAdapterRouter} (e.g. one with per-row adapters). */
  router?: AdapterRouter;
  /** Require `Authorization: Bearer <apiKey>` on `/v1/*`. */
  apiKey?: string;
  /** Largest request body in bytes (default 1 MiB; larger: 413). */
  maxBodyBytes?: number;
  /** Largest `max_tokens` (default: the model's context). */
  maxTokens?: number;
  /** Largest `n` (default 8). */
  maxN?: number;
  /** Rows decoded together (default 32). */
  maxBatchRows?: number;
  /** Requests that may wait for a row (default 64; beyond: 429). */
  maxQueue?: number;
  /** A request still running after this many ms is cancelled (default 300 000; 504). */
  requestTimeoutMs?: number;
  /** Ids that end a chat reply (default: the tokenizer's eos and ChatML markers, `chatStopIds`). */
  chatStopIds?: number[];
}

const CHAT_PAGE = new URL('../static/index.html', import.meta.url);

/** Why a request's generation was stopped when its client went away. */
class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

/**
 * An OpenAI-compatible HTTP server (a Node `http.Server`) for one loaded model and its adapters:
 * `POST /v1/chat/completions`, `POST /v1/completions` (streamed as server-sent events with
 * `stream: true`), `GET /v1/models`, `GET /health`, and a chat page at `/`. Requests are decoded
 * by a {@link BatchEngine} (continuous batching). Call `listen` as on any server; `shutdown()`
 * stops accepting, lets running requests finish (or cancels them after a grace period) and closes.
 */
export class OpenAIServer extends Server {
  readonly engine: BatchEngine;
  readonly context: CompletionContext;
  private readonly apiKey: Buffer | undefined;
  private readonly maxBodyBytes: number;
  private readonly timeoutMs: number;
  private readonly shutdownController = new AbortController();
  private readonly created = Math.floor(Date.now() / 1000);
  private chatPage: string | undefined;

  constructor(options: ServeOptions) {
    super();
    const { model, tokenizer } = options;
    const router = options.router ?? new PeftAdapterRouter(options.peft);
    this.engine = new BatchEngine(model, router, {
      ...(options.maxBatchRows !== undefined && { maxBatchRows: options.maxBatchRows }),
      ...(options.maxQueue !== undefined && { maxQueue: options.maxQueue }),
    });
    const eos = tokenizer.eosTokenId ?? model.config.eosTokenId;
    this.context = {
      engine: this.engine,
      tokenizer,
      chatStopIds: options.chatStopIds ?? chatStopIds(tokenizer),
      completionStopIds: typeof eos === 'number' ? [eos] : [],
      maxTokens: options.maxTokens ?? model.config.nPositions,
      maxN: Math.min(options.maxN ?? 8, this.engine.maxBatchRows),
    };
    this.apiKey = options.apiKey ? Buffer.from(options.apiKey) : undefined;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.timeoutMs = options.requestTimeoutMs ?? 300_000;
    // Idle keep-alive connections stay open longer than clients keep them (undici: 4 s), so a
    // client never reuses a socket the server is just closing (ECONNRESET).
    this.keepAliveTimeout = 65_000;
    setMaxListeners(0, this.shutdownController.signal); // one listener per running request
    this.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((e) => this.fail(res, e));
    });
  }

  private closing = false;

  /** Whether {@link shutdown} was called (new requests get 503 from then on). */
  get shuttingDown(): boolean {
    return this.closing;
  }

  /**
   * Stops accepting connections and requests (new ones get 503), waits up to `graceMs` (default
   * 10 s) for running requests to finish, cancels what is left, then closes the server.
   */
  async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    const grace = options.graceMs ?? 10_000;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.close(() => resolve()));
    this.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, grace);
    });
    await Promise.race([this.engine.idle(), expired]);
    clearTimeout(timer);
    this.shutdownController.abort(new ShuttingDownError());
    this.engine.close(new ShuttingDownError());
    await this.engine.idle();
    // responses of cancelled requests end themselves; idle keep-alive sockets go now
    setImmediate(() => this.closeAllConnections());
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/' || path === '/index.html') {
      this.allow(method, ['GET', 'HEAD'], path);
      this.chatPage ??= readFileSync(CHAT_PAGE, 'utf8');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : this.chatPage);
      return;
    }
    if (path === '/health') {
      this.allow(method, ['GET'], path);
      this.json(res, this.shuttingDown ? 503 : 200, {
        status: this.shuttingDown ? 'shutting_down' : 'ok',
        models: this.engine.router.names,
        ...this.engine.stats,
      });
      return;
    }
    const unknownUrl = () =>
      new ApiError(
        404,
        `Invalid URL (${method} ${url.pathname})`,
        'invalid_request_error',
        null,
        'unknown_url',
      );
    if (!path.startsWith('/v1/')) throw unknownUrl();
    this.authorize(req);
    if (path === '/v1/models') {
      this.allow(method, ['GET'], path);
      this.json(res, 200, { object: 'list', data: this.engine.router.names.map((id) => this.modelCard(id)) });
      return;
    }
    if (path.startsWith('/v1/models/')) {
      this.allow(method, ['GET'], path);
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (!this.engine.router.names.includes(id)) throw modelNotFound(id, this.engine.router.names);
      this.json(res, 200, this.modelCard(id));
      return;
    }
    const kind = path === '/v1/chat/completions' ? 'chat' : path === '/v1/completions' ? 'text' : undefined;
    if (!kind) throw unknownUrl();
    this.allow(method, ['POST'], path);
    if (this.shuttingDown) throw new ShuttingDownError();
    const body = await this.readJson(req);
    const prepared =
      kind === 'chat'
        ? prepareChat(this.context, parseRequest(ChatCompletionRequestSchema, body))
        : prepareCompletion(this.context, parseRequest(CompletionRequestSchema, body));
    await this.complete(kind, prepared, res);
  }

  private modelCard(id: string) {
    return { id, object: 'model' as const, created: this.created, owned_by: 'gptft' };
  }

  private allow(method: string, allowed: readonly string[], path: string): void {
    if (!allowed.includes(method))
      throw new ApiError(
        405,
        `Method ${method} is not allowed on ${path} (use ${allowed.join(' or ')}).`,
        'invalid_request_error',
        null,
        'method_not_allowed',
      );
  }

  private authorize(req: IncomingMessage): void {
    if (!this.apiKey) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const given = m ? Buffer.from(m[1]!.trim()) : Buffer.alloc(0);
    const ok = given.length === this.apiKey.length && timingSafeEqual(given, this.apiKey);
    if (!ok)
      throw new ApiError(
        401,
        m
          ? 'Incorrect API key provided.'
          : 'You did not provide an API key: send "Authorization: Bearer <key>".',
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
  }

  /** The body as JSON, at most `maxBodyBytes` (413 beyond, 400 when it is not JSON). */
  private readJson(req: IncomingMessage): Promise<unknown> {
    const limit = this.maxBodyBytes;
    const tooLarge = () =>
      new ApiError(
        413,
        `The request body is larger than ${limit} bytes.`,
        'invalid_request_error',
        null,
        'request_too_large',
      );
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        size += c.length;
        if (size > limit) {
          failed = true;
          reject(tooLarge());
          return;
        }
        chunks.push(c);
      });
      req.on('error', (e) => {
        failed = true;
        reject(e);
      });
      req.on('end', () => {
        if (failed) return;
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(
            new ApiError(
              400,
              `We could not parse the JSON body of your request. (The body must be JSON; got ${JSON.stringify(text.slice(0, 40))}.)`,
              'invalid_request_error',
              null,
              'invalid_json',
            ),
          );
        }
      });
    });
  }

  /** Runs a prepared request on the engine and writes the response, whole or streamed. */
  private async complete(kind: 'chat' | 'text', p: PreparedCompletion, res: ServerResponse): Promise<void> {
    const id = newId(kind);
    const created = Math.floor(Date.now() / 1000);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new RequestTimeoutError(this.timeoutMs)), this.timeoutMs);
    const onShutdown = () => abort.abort(this.shutdownController.signal.reason);
    this.shutdownController.signal.addEventListener('abort', onShutdown);
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new ClientGoneError());
    });
    const streaming = p.stream;
    const write = (payload: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(sseData(payload));
    };
    /** One chunk of choice `index`: chat `{ role?, content? }` deltas, or completion text. */
    const emit = (
      index: number,
      piece: { role?: 'assistant'; content?: string } | string,
      finish: OpenAIFinishReason | null = null,
    ) =>
      write(
        kind === 'chat'
          ? chatChunk(id, created, p.model, index, piece as { content?: string }, finish, p.includeUsage)
          : textChunk(id, created, p.model, index, piece as string, finish),
      );
    // The stream opens with the first token, so what fails before it (a full queue, a timeout
    // while waiting) still gets its own status; chat choices open with the assistant role,
    // completions with the echoed prompt.
    let began = false;
    const begin = () => {
      if (began) return;
      began = true;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      for (const [k] of p.prompts.entries())
        for (let i = 0; i < p.n; i++) {
          if (kind === 'chat') emit(k * p.n + i, { role: 'assistant', content: '' });
          else if (p.echo) emit(k * p.n + i, p.echo[k]!);
        }
    };
    try {
      const decoders = await Promise.all(
        p.prompts.map((promptIds, k) => {
          let cursors: ChoiceCursor[] | undefined;
          const onStep = streaming
            ? (d: RowDecoder) => {
                begin();
                const stops = p.decode.stopStrings as string[] | undefined;
                cursors ??= Array.from({ length: d.rows }, (_, i) => new ChoiceCursor(d, i, stops));
                for (const [i, c] of cursors.entries()) {
                  const { text, finish } = c.next();
                  if (text) emit(k * p.n + i, kind === 'chat' ? { content: text } : text);
                  if (finish) emit(k * p.n + i, kind === 'chat' ? {} : '', finish);
                }
              }
            : undefined;
          return this.engine.submit({
            promptIds,
            adapter: p.model,
            n: p.n,
            decode: p.decode,
            signal: abort.signal,
            ...(onStep && { onStep }),
          });
        }),
      );
      if (streaming) {
        begin();
        if (p.includeUsage) write(usageChunk(kind, id, created, p.model, usageOf(p.prompts, decoders)));
        write('[DONE]');
        res.end();
      } else {
        this.json(
          res,
          200,
          kind === 'chat' ? chatCompletionBody(id, p, decoders) : completionBody(id, p, decoders),
        );
      }
    } catch (e) {
      if (!abort.signal.aborted) abort.abort(e); // the other prompts of this request stop too
      if (e instanceof ClientGoneError || res.destroyed) return;
      const err = asApiError(e);
      if (began) {
        write(err.toJSON());
        res.end();
      } else this.fail(res, err);
    } finally {
      clearTimeout(timer);
      this.shutdownController.signal.removeEventListener('abort', onShutdown);
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  /** Answers with OpenAI's error JSON (or ends a response that already began). */
  private fail(res: ServerResponse, e: unknown): void {
    const err = asApiError(e);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err.status === 413) res.setHeader('connection', 'close');
    this.json(res, err.status, err.toJSON());
  }
}

/** An {@link OpenAIServer} for a loaded model (not listening yet: call `listen(port, host)`). */
export function createServer(options: ServeOptions): OpenAIServer {
  return new OpenAIServer(options);
}
