// Every bad request gets a 4xx with OpenAI's error JSON {"error": {message, type, param, code}}.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loaded, loadFixture, post, type Running, startServer } from './helpers.js';

let loaded: Loaded;
let running: Running;

beforeAll(async () => {
  loaded = await loadFixture({ lora: `${(await import('./helpers.js')).FIXTURES}lora` });
  running = await startServer({
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    peft: loaded.peft,
    maxBodyBytes: 4096,
    maxTokens: 64,
    maxN: 4,
  });
});
afterAll(async () => {
  await running?.close();
  loaded?.peft?.unload();
  loaded?.model.dispose();
});

const CHAT = '/v1/chat/completions';
const TEXT = '/v1/completions';
const msgs = [{ role: 'user', content: 'Hi' }];
const chat = (extra: Record<string, unknown>) => ({ model: 'base', messages: msgs, ...extra });
const text = (extra: Record<string, unknown>) => ({ model: 'base', prompt: 'Hi', ...extra });

/** [what, path, body, status, param, code] */
const CASES: Array<[string, string, unknown, number, string | null, string | null]> = [
  ['body is not JSON', CHAT, '{"model": ', 400, null, 'invalid_json'],
  ['body is an array', CHAT, '[1]', 400, null, null],
  ['model missing', CHAT, { messages: msgs }, 400, 'model', 'missing_required_parameter'],
  ['messages missing', CHAT, { model: 'base' }, 400, 'messages', 'missing_required_parameter'],
  ['messages empty', CHAT, chat({ messages: [] }), 400, 'messages', 'invalid_value'],
  [
    'unknown role',
    CHAT,
    chat({ messages: [{ role: 'wizard', content: 'x' }] }),
    400,
    'messages[0].role',
    'invalid_value',
  ],
  [
    'content a number',
    CHAT,
    chat({ messages: [{ role: 'user', content: 3 }] }),
    400,
    'messages[0].content',
    'invalid_value',
  ],
  ['unknown model', CHAT, chat({ model: 'gpt-4o' }), 404, 'model', 'model_not_found'],
  ['temperature > 2', CHAT, chat({ temperature: 2.5 }), 400, 'temperature', 'invalid_value'],
  ['top_p 0', CHAT, chat({ top_p: 0 }), 400, 'top_p', 'invalid_value'],
  ['n 0', CHAT, chat({ n: 0 }), 400, 'n', 'invalid_value'],
  ['n above the server cap', CHAT, chat({ n: 5 }), 400, 'n', 'invalid_value'],
  ['n not an integer', CHAT, chat({ n: 1.5 }), 400, 'n', 'invalid_value'],
  ['max_tokens 0', CHAT, chat({ max_tokens: 0 }), 400, 'max_tokens', 'invalid_value'],
  ['max_tokens above the cap', CHAT, chat({ max_tokens: 65 }), 400, 'max_tokens', 'invalid_value'],
  [
    'max_completion_tokens above the cap',
    CHAT,
    chat({ max_completion_tokens: 1000 }),
    400,
    'max_completion_tokens',
    'invalid_value',
  ],
  [
    'prompt + max_tokens beyond the context',
    TEXT,
    text({ prompt: 'word '.repeat(100), max_tokens: 64 }),
    400,
    'max_tokens',
    'context_length_exceeded',
  ],
  [
    'prompt longer than the context',
    TEXT,
    text({ prompt: 'word '.repeat(130) }),
    400,
    'prompt',
    'context_length_exceeded',
  ],
  ['five stop strings', CHAT, chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 400, 'stop', 'invalid_value'],
  ['empty stop string', CHAT, chat({ stop: '' }), 400, 'stop', 'invalid_value'],
  ['presence_penalty 3', CHAT, chat({ presence_penalty: 3 }), 400, 'presence_penalty', 'invalid_value'],
  [
    'frequency_penalty -2.5',
    CHAT,
    chat({ frequency_penalty: -2.5 }),
    400,
    'frequency_penalty',
    'invalid_value',
  ],
  [
    'logit_bias key not an id',
    CHAT,
    chat({ logit_bias: { abc: 1 } }),
    400,
    'logit_bias.abc',
    'invalid_value',
  ],
  ['logit_bias value 101', CHAT, chat({ logit_bias: { '5': 101 } }), 400, 'logit_bias.5', 'invalid_value'],
  [
    'logit_bias id outside the vocabulary',
    CHAT,
    chat({ logit_bias: { '9999999': 1 } }),
    400,
    'logit_bias',
    'invalid_value',
  ],
  ['seed not an integer', CHAT, chat({ seed: 1.5 }), 400, 'seed', 'invalid_value'],
  ['stream not a boolean', CHAT, chat({ stream: 'yes' }), 400, 'stream', 'invalid_value'],
  [
    'tools',
    CHAT,
    chat({ tools: [{ type: 'function', function: { name: 'f' } }] }),
    400,
    'tools',
    'unsupported_parameter',
  ],
  ['logprobs', CHAT, chat({ logprobs: true }), 400, 'logprobs', 'unsupported_parameter'],
  [
    'response_format json',
    CHAT,
    chat({ response_format: { type: 'json_object' } }),
    400,
    'response_format.type',
    'invalid_value',
  ],
  ['an argument OpenAI does not have', CHAT, chat({ foo: 1 }), 400, 'foo', null],
  ['empty prompt', TEXT, text({ prompt: '' }), 400, 'prompt', 'invalid_value'],
  ['empty prompt list', TEXT, text({ prompt: [] }), 400, 'prompt', 'invalid_value'],
  ['token id outside the vocabulary', TEXT, text({ prompt: [1, 99999999] }), 400, 'prompt', 'invalid_value'],
  ['suffix', TEXT, text({ suffix: 'x' }), 400, 'suffix', 'unsupported_parameter'],
  ['completion logprobs', TEXT, text({ logprobs: 2 }), 400, 'logprobs', 'unsupported_parameter'],
  ['best_of other than n', TEXT, text({ best_of: 3 }), 400, 'best_of', 'unsupported_parameter'],
  [
    'messages instead of a prompt on /v1/completions',
    TEXT,
    chat({}),
    400,
    'prompt',
    'missing_required_parameter',
  ],
  [
    'a streamed bad request',
    CHAT,
    chat({ stream: true, temperature: -1 }),
    400,
    'temperature',
    'invalid_value',
  ],
  [
    'body over the limit',
    CHAT,
    chat({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    413,
    null,
    'request_too_large',
  ],
  ['unknown URL', '/v1/embeddings', {}, 404, null, 'unknown_url'],
];

describe('bad requests', () => {
  it.each(CASES)('%s', async (_what, path, body, status, param, code) => {
    const r = await post(running.baseURL, path, body);
    expect(r.status).toBe(status);
    const err = (r.json as { error: Record<string, unknown> }).error;
    expect(Object.keys(r.json as object)).toEqual(['error']);
    expect(Object.keys(err).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(typeof err.message).toBe('string');
    expect((err.message as string).length).toBeGreaterThan(10);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe(param);
    if (code !== null) expect(err.code).toBe(code);
  });

  it('wrong method → 405, with the same error shape', async () => {
    const res = await fetch(`${running.baseURL}/v1/chat/completions`);
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const models = await fetch(`${running.baseURL}/v1/models`, { method: 'DELETE' });
    expect(models.status).toBe(405);
  });

  it('the openai client raises its typed errors with status, param and code', async () => {
    const c = running.client;
    await expect(
      c.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
    });
    const e = await c.chat.completions
      .create({ model: 'lora', messages: [{ role: 'user', content: 'x' }], temperature: 9 })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
    await expect(c.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
