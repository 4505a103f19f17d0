/**
 * Request bodies of the OpenAI-compatible endpoints, as zod schemas with OpenAI's field names and
 * ranges (checked against the `openai` package's `ChatCompletionCreateParams` /
 * `CompletionCreateParams`). Fields OpenAI has that this server cannot honour are refused with a
 * 400 naming the field; fields OpenAI does not have are refused as OpenAI does ("Unrecognized
 * request argument"). Two vLLM extensions: `top_k` and `repetition_penalty`.
 */
import { z } from 'zod';
import { ApiError, invalid } from './errors.js';

const nullable = <T extends z.ZodType>(t: T) => t.nullish();

const stop = nullable(z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]));

/** Sampling fields common to both endpoints. */
const sampling = {
  model: z.string().min(1),
  max_tokens: nullable(z.number().int().min(1)),
  temperature: nullable(z.number().min(0).max(2)),
  top_p: nullable(z.number().gt(0).max(1)),
  n: nullable(z.number().int().min(1).max(128)),
  stream: nullable(z.boolean()),
  stream_options: nullable(z.object({ include_usage: z.boolean().nullish() }).strict()),
  stop,
  seed: nullable(
    z
      .number()
      .int()
      .min(-(2 ** 63))
      .max(2 ** 64),
  ),
  presence_penalty: nullable(z.number().min(-2).max(2)),
  frequency_penalty: nullable(z.number().min(-2).max(2)),
  logit_bias: nullable(
    z.record(z.string().regex(/^\d+$/, 'keys must be token ids'), z.number().min(-100).max(100)),
  ),
  user: z.string().optional(),
  // vLLM's extensions
  top_k: nullable(z.number().int().min(-1)),
  repetition_penalty: nullable(z.number().gt(0)),
};

/** Fields OpenAI accepts that change nothing here (metadata, storage, routing). */
const ignored = {
  metadata: z.unknown().optional(),
  store: z.unknown().optional(),
  service_tier: z.unknown().optional(),
  safety_identifier: z.unknown().optional(),
  prompt_cache_key: z.unknown().optional(),
  prompt_cache_retention: z.unknown().optional(),
  parallel_tool_calls: z.unknown().optional(),
};

const textPart = z.object({ type: z.literal('text'), text: z.string() }).strict();
const content = z.union([z.string(), z.array(textPart)]);

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content, name: z.string().optional() }).strict(),
  z.object({ role: z.literal('developer'), content, name: z.string().optional() }).strict(),
  z.object({ role: z.literal('user'), content, name: z.string().optional() }).strict(),
  z
    .object({
      role: z.literal('assistant'),
      content: content.nullish(),
      name: z.string().optional(),
      refusal: z.string().nullish(),
    })
    .strict(),
]);

export const ChatCompletionRequestSchema = z
  .object({
    ...sampling,
    ...ignored,
    messages: z.array(message).min(1),
    max_completion_tokens: nullable(z.number().int().min(1)),
    logprobs: nullable(z.literal(false)),
    response_format: z
      .object({ type: z.literal('text') })
      .strict()
      .optional(),
    modalities: nullable(z.array(z.literal('text'))),
  })
  .strict();
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;
export type ChatMessageParam = z.infer<typeof message>;

const prompt = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(z.number().int().min(0)).min(1),
  z.array(z.array(z.number().int().min(0)).min(1)).min(1),
]);

export const CompletionRequestSchema = z
  .object({
    ...sampling,
    ...ignored,
    prompt,
    echo: nullable(z.boolean()),
    best_of: nullable(z.number().int().min(1)),
    logprobs: z.null().optional(),
    suffix: z.null().optional(),
  })
  .strict();
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

/** What OpenAI has and this server refuses, with the reason given in the 400. */
const UNSUPPORTED: Record<string, string> = {
  tools: 'tool calling is not supported by this server',
  tool_choice: 'tool calling is not supported by this server',
  functions: 'function calling is not supported by this server',
  function_call: 'function calling is not supported by this server',
  logprobs: 'log probabilities are not supported by this server',
  top_logprobs: 'log probabilities are not supported by this server',
  suffix: 'suffix (insertion) is not supported by this server',
  audio: 'audio output is not supported by this server',
  prediction: 'predicted outputs are not supported by this server',
  reasoning_effort: 'this model does not reason',
  verbosity: 'verbosity is not supported by this server',
  web_search_options: 'web search is not supported by this server',
  moderation: 'moderation is not supported by this server',
};

/**
 * Parses a request body with `schema`; any problem becomes a 400 naming the field. OpenAI fields
 * this server does not implement are refused first, with the reason.
 */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('The request body must be a JSON object.');
  refuseUnsupported(body);
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    throw invalid(`Unrecognized request argument supplied: ${key}`, key);
  }
  const param = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  const value = issue.path.reduce<unknown>(
    (o, k) => (o !== null && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined),
    body,
  );
  const shown = value === undefined ? 'missing' : JSON.stringify(value)?.slice(0, 60);
  throw invalid(
    `Invalid value for '${param || '(body)'}': ${issue.message} (got ${shown}).`,
    param || null,
    value === undefined ? 'missing_required_parameter' : 'invalid_value',
  );
}

function refuseUnsupported(body: object): void {
  for (const [k, v] of Object.entries(body)) {
    if (v === null || v === undefined || (k === 'logprobs' && v === false)) continue;
    const reason = UNSUPPORTED[k];
    if (reason)
      throw new ApiError(400, `${k}: ${reason}.`, 'invalid_request_error', k, 'unsupported_parameter');
  }
}
