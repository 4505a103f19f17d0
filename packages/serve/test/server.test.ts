// The server through the official `openai` client on 127.0.0.1: chat and text completions (whole
// and streamed) equal to `generate` on the same model, adapter and prompt; n with a seed; a LoRA
// adapter equal to the merged model; prefix tuning; models; tensors freed.
import { tf } from '@gptft/backend';
import {
  type GenerateOptions,
  type GenerateTextResult,
  GenerationRun,
  GPT2LMHeadModel,
  setupChatModel,
} from '@gptft/heads';
import { PeftModel } from '@gptft/peft';
import { chatStopIds, GPT2Tokenizer } from '@gptft/tokenizer';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeftAdapterRouter } from '../src/index.js';
import { FIXTURES, type Loaded, loadFixture, type Running, startServer } from './helpers.js';

let loaded: Loaded;
let running: Running;
let client: OpenAI;
let router: PeftAdapterRouter;

beforeAll(async () => {
  loaded = await loadFixture();
  router = new PeftAdapterRouter(loaded.peft);
  running = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer, peft: loaded.peft });
  client = running.client;
});
afterAll(async () => {
  await running?.close();
  loaded?.peft?.unload();
  loaded?.model.dispose();
});

/** What `generate` (unbatched, one prompt) gives with the adapter active. */
function reference(adapter: string, promptIds: number[], options: GenerateOptions): GenerateTextResult {
  return router.run([adapter], () => {
    const run = new GenerationRun(loaded.model, [promptIds], { tokenizer: loaded.tokenizer, ...options });
    try {
      while (run.step());
    } finally {
      run.dispose();
    }
    return run.textResults([''])[0]!;
  });
}

const MESSAGES = [
  { role: 'system' as const, content: 'You are a helpful assistant.' },
  { role: 'user' as const, content: 'Where is my order?' },
];

function chatIds(messages = MESSAGES): number[] {
  return loaded.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
}

describe('models', () => {
  it('lists base and every adapter (client.models.list / retrieve)', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['base', 'lora', 'prefix']);
    for (const m of page.data) expect(m).toMatchObject({ object: 'model', owned_by: 'gptft' });
    expect((await client.models.retrieve('lora')).id).toBe('lora');
  });
});

describe('chat completions', () => {
  it.each(['base', 'lora', 'prefix'])(
    '%s: greedy reply = generate on the chat template, usage counted',
    async (model) => {
      const want = reference(model, chatIds(), {
        maxNewTokens: 24,
        eosTokenId: chatStopIds(loaded.tokenizer),
        doSample: false,
      });
      const r = await client.chat.completions.create({
        model,
        messages: MESSAGES,
        temperature: 0,
        max_tokens: 24,
      });
      expect(r.object).toBe('chat.completion');
      expect(r.model).toBe(model);
      expect(r.id).toMatch(/^chatcmpl-/);
      expect(r.choices).toHaveLength(1);
      expect(r.choices[0]!.message).toMatchObject({ role: 'assistant', content: want.text });
      expect(r.choices[0]!.finish_reason).toBe(want.finishReason === 'length' ? 'length' : 'stop');
      expect(r.usage).toEqual({
        prompt_tokens: chatIds().length,
        completion_tokens: want.ids.length,
        total_tokens: chatIds().length + want.ids.length,
      });
    },
  );

  it('adapters change the reply (the three models do not all agree)', async () => {
    const replies = await Promise.all(
      ['base', 'lora', 'prefix'].map((model) =>
        client.chat.completions.create({ model, messages: MESSAGES, temperature: 0, max_tokens: 12 }),
      ),
    );
    expect(new Set(replies.map((r) => r.choices[0]!.message.content)).size).toBeGreaterThan(1);
  });

  it('streamed: role chunk, content deltas joining to the whole reply, finish chunk, usage chunk, [DONE]', async () => {
    const whole = await client.chat.completions.create({
      model: 'lora',
      messages: MESSAGES,
      temperature: 0,
      max_tokens: 20,
    });
    const stream = await client.chat.completions.create({
      model: 'lora',
      messages: MESSAGES,
      temperature: 0,
      max_tokens: 20,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    for (const c of chunks) expect(c.object).toBe('chat.completion.chunk');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(whole.choices[0]!.message.content);
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]!.choices[0]!.finish_reason).toBe(whole.choices[0]!.finish_reason);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(whole.usage);
    expect(chunks.length).toBeGreaterThan(3); // it really streamed piece by piece
  });

  it('n = 2 with a seed: the two samples of generate(numReturnSequences: 2, seed); same seed, same choices', async () => {
    const params = {
      model: 'base',
      messages: MESSAGES,
      temperature: 0.9,
      top_p: 0.95,
      n: 2,
      seed: 1234,
      max_tokens: 16,
    };
    const a = await client.chat.completions.create(params);
    const b = await client.chat.completions.create(params);
    expect(a.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(b.choices.map((c) => c.message.content)).toEqual(a.choices.map((c) => c.message.content));
    const want = router.run(['base'], () => {
      const ids = chatIds();
      const run = new GenerationRun(loaded.model, [ids, ids], {
        tokenizer: loaded.tokenizer,
        maxNewTokens: 16,
        doSample: true,
        temperature: 0.9,
        topP: 0.95,
        seed: 1234,
        eosTokenId: chatStopIds(loaded.tokenizer),
      });
      while (run.step());
      run.dispose();
      return run.textResults(['', '']);
    });
    expect(a.choices.map((c) => c.message.content)).toEqual(want.map((w) => w.text));
    expect(a.choices[0]!.message.content).not.toBe(a.choices[1]!.message.content);
    const other = await client.chat.completions.create({ ...params, seed: 99 });
    expect(other.choices.map((c) => c.message.content)).not.toEqual(a.choices.map((c) => c.message.content));
    expect(a.usage!.completion_tokens).toBe(want[0]!.ids.length + want[1]!.ids.length);
  });

  it('a LoRA adapter picked by `model` gives the merged model’s greedy reply', async () => {
    const merged = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const tokenizer = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);
    setupChatModel(merged, tokenizer);
    (await PeftModel.fromPretrained(merged, `${FIXTURES}lora`)).mergeAndUnload();
    const run = new GenerationRun(merged, [chatIds()], {
      tokenizer,
      maxNewTokens: 24,
      eosTokenId: chatStopIds(tokenizer),
    });
    while (run.step());
    run.dispose();
    merged.dispose();
    const want = run.textResults([''])[0]!;
    const r = await client.chat.completions.create({
      model: 'lora',
      messages: MESSAGES,
      temperature: 0,
      max_tokens: 24,
    });
    expect(r.choices[0]!.message.content).toBe(want.text);
    expect(want.ids.length).toBeGreaterThan(5);
  });

  it('presence/frequency penalties, logit bias, repetition_penalty and top_k reach the decoder', async () => {
    const base = { model: 'base', messages: MESSAGES, temperature: 0, max_tokens: 16 } as const;
    const plain = await client.chat.completions.create(base);
    const firstId = reference('base', chatIds(), {
      maxNewTokens: 1,
      eosTokenId: chatStopIds(loaded.tokenizer),
    }).ids[0]!;
    const banned = await client.chat.completions.create({ ...base, logit_bias: { [String(firstId)]: -100 } });
    expect(banned.choices[0]!.message.content).not.toBe(plain.choices[0]!.message.content);
    const want = reference('base', chatIds(), {
      maxNewTokens: 16,
      eosTokenId: chatStopIds(loaded.tokenizer),
      presencePenalty: 1.5,
      frequencyPenalty: 0.5,
      repetitionPenalty: 1.3,
    });
    const penalised = await client.chat.completions.create({
      ...base,
      presence_penalty: 1.5,
      frequency_penalty: 0.5,
      // vLLM's extension, as `gptft chat --repetition-penalty`
      ...({ repetition_penalty: 1.3 } as object),
    });
    expect(penalised.choices[0]!.message.content).toBe(want.text);
  });
});

describe('text completions', () => {
  const prompt = 'Once upon a time';

  it('greedy text = generate; stop strings end it and are not returned (also streamed)', async () => {
    const ids = loaded.tokenizer.encode(prompt);
    const eos = [loaded.tokenizer.eosTokenId!];
    const want = reference('base', ids, { maxNewTokens: 20, eosTokenId: eos });
    const r = await client.completions.create({ model: 'base', prompt, temperature: 0, max_tokens: 20 });
    expect(r.object).toBe('text_completion');
    expect(r.choices[0]!.text).toBe(want.text);
    expect(r.choices[0]!.finish_reason).toBe('length');
    // a stop string from the middle of the reply: the text before it, finish_reason stop
    const stop = want.text.slice(12, 16);
    const cut = want.text.indexOf(stop);
    const s = await client.completions.create({
      model: 'base',
      prompt,
      temperature: 0,
      max_tokens: 20,
      stop: [stop, 'zzzz'],
    });
    expect(s.choices[0]!.text).toBe(want.text.slice(0, cut));
    expect(s.choices[0]!.finish_reason).toBe('stop');
    const stream = await client.completions.create({
      model: 'base',
      prompt,
      temperature: 0,
      max_tokens: 20,
      stop,
      stream: true,
    });
    let streamed = '';
    let finish: string | null = null;
    for await (const c of stream) {
      streamed += c.choices[0]?.text ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(streamed).toBe(want.text.slice(0, cut));
    expect(finish).toBe('stop');
  });

  it('several prompts (text and token ids), n = 2, echo: choice index = prompt · n + sample', async () => {
    const ids = loaded.tokenizer.encode('Hello, my name is');
    const r = await client.completions.create({
      model: 'lora',
      prompt: [prompt, loaded.tokenizer.decode(ids)],
      n: 2,
      temperature: 0,
      max_tokens: 6,
      echo: true,
    });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    const a = reference('lora', loaded.tokenizer.encode(prompt), {
      maxNewTokens: 6,
      eosTokenId: [loaded.tokenizer.eosTokenId!],
    });
    expect(r.choices[0]!.text).toBe(prompt + a.text);
    expect(r.choices[1]!.text).toBe(prompt + a.text); // greedy: both samples agree
    const byIds = await client.completions.create({
      model: 'lora',
      prompt: ids,
      temperature: 0,
      max_tokens: 6,
    });
    expect(r.choices[2]!.text).toBe(`Hello, my name is${byIds.choices[0]!.text}`);
    expect(r.usage!.prompt_tokens).toBe(loaded.tokenizer.encode(prompt).length + ids.length);
  });
});

describe('context', () => {
  it('prefix tuning’s virtual tokens count against the context (positions start after them)', async () => {
    const prompt = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const eos = loaded.tokenizer.eosTokenId!;
    const params = { prompt, temperature: 0, logit_bias: { [eos]: -100 } };
    // 128 positions: base has 28 left, the prefix adapter (5 virtual tokens) 23
    const base = await client.completions.create({ ...params, model: 'base', max_tokens: 28 });
    expect(base.usage!.completion_tokens).toBe(28);
    const prefix = await client.completions.create({ ...params, model: 'prefix', max_tokens: 23 });
    expect(prefix.usage!.completion_tokens).toBe(23);
    await expect(
      client.completions.create({ ...params, model: 'prefix', max_tokens: 24 }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
    });
  });
});

describe('resources', () => {
  it('no tensor is left behind once the requests are done; /health reports the engine', async () => {
    const before = tf.memory().numTensors;
    await Promise.all(
      [1, 2, 3].map((k) =>
        client.chat.completions.create({
          model: k === 2 ? 'prefix' : 'lora',
          messages: MESSAGES,
          temperature: 0,
          max_tokens: 8 + k,
        }),
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
    const health = (await (await fetch(`${running.baseURL}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      activeRows: 0,
      waiting: 0,
      models: ['base', 'lora', 'prefix'],
    });
  });
});
