/** OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`, with the HTTP status it goes with. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error the server answers with a status and OpenAI's error JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 for a bad field (`param` names it, as OpenAI does). */
export function invalid(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param, code);
}

/** 404 for a `model` that is neither `base` nor an adapter (OpenAI's `model_not_found`). */
export function modelNotFound(model: string, names: readonly string[]): ApiError {
  return new ApiError(
    404,
    `The model '${model}' does not exist. Models: ${names.join(', ')}.`,
    'invalid_request_error',
    'model',
    'model_not_found',
  );
}

/** Raised by the engine when its queue is full (answered with 429). */
export class QueueFullError extends ApiError {
  constructor(limit: number) {
    super(
      429,
      `The server is busy: ${limit} requests are already waiting. Retry later.`,
      'rate_limit_exceeded',
      null,
      'queue_full',
    );
  }
}

/** Raised when a request ran longer than the server's per-request limit (answered with 504). */
export class RequestTimeoutError extends ApiError {
  constructor(ms: number) {
    super(
      504,
      `The request did not finish within ${ms} ms and was cancelled.`,
      'timeout',
      null,
      'request_timeout',
    );
  }
}

/** Raised for requests cancelled because the server is shutting down (answered with 503). */
export class ShuttingDownError extends ApiError {
  constructor() {
    super(503, 'The server is shutting down.', 'server_error', null, 'shutting_down');
  }
}

/** Any thrown value as an ApiError (unknown errors become a 500 `server_error`). */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(500, `internal error: ${(e as Error)?.message ?? String(e)}`, 'server_error');
}
