// API key, the queue limit (429), per-request timeout (504), a client that goes away (its rows and
// cache freed), graceful shutdown (running requests finish; with no grace they are cancelled).
import { tf } from '@gptft/backend';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchEngine, PeftAdapterRouter, QueueFullError } from '../src/index.js';
import { type Loaded, loadFixture, post, startServer } from './helpers.js';

let loaded: Loaded;
beforeAll(async () => {
  loaded = await loadFixture({});
});
afterAll(() => loaded?.model.dispose());

/** A completion that runs for its whole max_tokens (eos banned), for requests that must stay busy. */
function long(maxTokens: number) {
  const eos = loaded.tokenizer.eosTokenId!;
  return {
    model: 'base',
    prompt: 'Once upon a time',
    max_tokens: maxTokens,
    temperature: 0,
    logit_bias: { [eos]: -100 },
  };
}

async function health(baseURL: string): Promise<Record<string, number>> {
  return (await (await fetch(`${baseURL}/health`)).json()) as Record<string, number>;
}

async function until(what: () => Promise<boolean>, label: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${label}`);
}

describe('API key', () => {
  it('with --api-key, /v1 needs "Authorization: Bearer <key>"; /health does not', async () => {
    const s = await startServer(
      { model: loaded.model, tokenizer: loaded.tokenizer, apiKey: 's3cret' },
      's3cret',
    );
    try {
      const none = await post(s.baseURL, '/v1/completions', long(2));
      expect(none.status).toBe(401);
      expect(none.json).toMatchObject({
        error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null },
      });
      const wrong = await post(s.baseURL, '/v1/completions', long(2), { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      const models = await fetch(`${s.baseURL}/v1/models`);
      expect(models.status).toBe(401);
      const bad = new OpenAI({ baseURL: `${s.baseURL}/v1`, apiKey: 'nope', maxRetries: 0 });
      await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const ok = await s.client.completions.create({ ...long(2) });
      expect(ok.choices[0]!.text.length).toBeGreaterThan(0);
      expect((await fetch(`${s.baseURL}/health`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('queue, timeout, disconnect', () => {
  it('a full queue answers 429; a client that disconnects frees its row and its cache', async () => {
    const before = tf.memory().numTensors;
    const s = await startServer({
      model: loaded.model,
      tokenizer: loaded.tokenizer,
      maxBatchRows: 1,
      maxQueue: 1,
    });
    try {
      // 1 holds the only row (streamed, so we can drop it), 2 waits in the queue, 3 is refused.
      const first = new AbortController();
      const stream = await s.client.completions.create(
        { ...long(100), stream: true },
        { signal: first.signal },
      );
      const it1 = stream[Symbol.asyncIterator]();
      await it1.next();
      await until(async () => (await health(s.baseURL)).activeRows === 1, 'request 1 to run');
      const second = s.client.completions.create(long(3));
      await until(async () => (await health(s.baseURL)).waiting === 1, 'request 2 to wait');
      const third = await post(s.baseURL, '/v1/completions', long(3));
      expect(third.status).toBe(429);
      expect(third.json).toMatchObject({
        error: { type: 'rate_limit_exceeded', code: 'queue_full', param: null },
      });
      // a streamed request is refused the same way (the stream only opens with its first token)
      const streamed = await post(s.baseURL, '/v1/completions', { ...long(3), stream: true });
      expect(streamed.status).toBe(429);
      await expect(s.client.completions.create({ ...long(3), stream: true })).rejects.toBeInstanceOf(
        OpenAI.RateLimitError,
      );
      // The client of request 1 goes away: its row is freed, request 2 runs and finishes.
      first.abort();
      const done = await second;
      expect(done.usage!.completion_tokens).toBe(3);
      const h = await health(s.baseURL);
      expect(h).toMatchObject({ activeRows: 0, waiting: 0 });
      expect(h.cancelled).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await s.close();
    }
  });

  it('a request running past the timeout is cancelled with 504 (a stream that began ends with an error event)', async () => {
    const before = tf.memory().numTensors;
    const s = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer, requestTimeoutMs: 1 });
    try {
      const r = await post(s.baseURL, '/v1/completions', long(100));
      expect(r.status).toBe(504);
      expect(r.json).toMatchObject({ error: { type: 'timeout', code: 'request_timeout' } });
      const stream = await s.client.completions.create({ ...long(100), stream: true });
      const pieces: string[] = [];
      const err = await (async () => {
        for await (const c of stream) pieces.push(c.choices[0]?.text ?? '');
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('request_timeout');
      expect((await health(s.baseURL)).activeRows).toBe(0);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await s.close();
    }
  });

  it('the engine refuses what cannot run: full queue, n above the batch, prompt beyond the context', async () => {
    const engine = new BatchEngine(loaded.model, new PeftAdapterRouter(), { maxBatchRows: 2, maxQueue: 1 });
    const ids = loaded.tokenizer.encode('Hello');
    const decode = { maxNewTokens: 2, eosTokenIds: [], padTokenId: 0 };
    const a = engine.submit({ promptIds: ids, adapter: 'base', n: 2, decode });
    const b = engine.submit({ promptIds: ids, adapter: 'base', n: 1, decode });
    await expect(engine.submit({ promptIds: ids, adapter: 'base', n: 1, decode })).rejects.toBeInstanceOf(
      QueueFullError,
    );
    await expect(engine.submit({ promptIds: ids, adapter: 'base', n: 3, decode })).rejects.toThrow(
      /n must be between 1 and 2/,
    );
    await expect(engine.submit({ promptIds: ids, adapter: 'lora', n: 1, decode })).rejects.toThrow(
      /no model "lora"/,
    );
    await expect(
      engine.submit({ promptIds: ids, adapter: 'base', n: 1, decode: { ...decode, maxNewTokens: 200 } }),
    ).rejects.toThrow(/exceed the context \(128\)/);
    expect((await a).newIds.map((x) => x.length)).toEqual([2, 2]);
    expect((await b).newIds[0]).toHaveLength(2);
  });
});

describe('graceful shutdown', () => {
  it('running requests finish, new ones are refused, then the server closes', async () => {
    const s = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer });
    const stream = await s.client.completions.create({ ...long(40), stream: true });
    const it1 = stream[Symbol.asyncIterator]();
    await it1.next();
    const closing = s.server.shutdown({ graceMs: 120_000 });
    const refused = await fetch(`${s.baseURL}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(long(2)),
    }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(refused);
    let finish: string | null = null;
    for (;;) {
      const n = await it1.next();
      if (n.done) break;
      finish = n.value.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('length');
    await closing;
    expect(s.server.listening).toBe(false);
  });

  it('with no grace left, running requests are cancelled (503 shutting_down) and the server closes', async () => {
    const before = tf.memory().numTensors;
    const s = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer });
    const pending = post(s.baseURL, '/v1/completions', long(100));
    await until(async () => s.server.engine.stats.activeRows === 1, 'the request to run');
    await s.server.shutdown({ graceMs: 0 });
    const r = await pending;
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ error: { code: 'shutting_down' } });
    expect(tf.memory().numTensors).toBe(before);
  });
});
