// Many adapters on one base, one forward pass per step: concurrent requests for the base and three
// LoRA adapters are decoded in the same forward passes (PeftModel.withAdapterNames, HF PEFT's
// `adapter_names` per row), and each reply is that adapter's greedy decoding alone — in gptft
// (`generate` with only that adapter active) and in PyTorch (test/reference/mixed_greedy_reference.py
// → test/fixtures/mixed-greedy.json). A prefix-tuning adapter keeps forward passes of its own.
// Forward passes are counted by the engine; the engine is paused while the requests arrive, so
// they all start in the same step whatever the machine's load.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tf } from '@gptft/backend';
import { GPT2LMHeadModel, generate } from '@gptft/heads';
import { getPeftModel, type LoraLayer, loraConfig } from '@gptft/peft';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchEngine, MIXED_BATCH_KEY, PeftAdapterRouter } from '../src/index.js';
import { FIXTURES, type Loaded, loadFixture, type Running, startServer } from './helpers.js';

const WEIGHTED = fileURLToPath(new URL('../../peft/test/fixtures/weighted/', import.meta.url));
const TORCH = JSON.parse(readFileSync(new URL('./fixtures/mixed-greedy.json', import.meta.url), 'utf8')) as {
  maxNewTokens: number;
  prompts: number[][];
  greedy: Record<string, number[][]>;
};
const LORAS = ['lora', 'a', 'b'];
const MIXED = ['base', ...LORAS];

let loaded: Loaded;
let running: Running;
let engine: BatchEngine;

beforeAll(async () => {
  loaded = await loadFixture({
    lora: `${FIXTURES}lora`,
    a: `${WEIGHTED}a`,
    b: `${WEIGHTED}b`,
    prefix: `${FIXTURES}prefix`,
  });
  running = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer, peft: loaded.peft });
  engine = running.server.engine;
});
afterAll(async () => {
  await running?.close();
  loaded?.peft?.unload();
  loaded?.model.dispose();
});

/** Greedy new ids of `generate` with only `adapter` in effect (no mixed batch, no server). */
function alone(adapter: string, promptIds: number[], maxNewTokens: number): number[] {
  const peft = loaded.peft!;
  if (adapter === 'base') peft.disableAdapter();
  else {
    peft.enableAdapter();
    peft.setAdapter(adapter);
  }
  const [row] = generate(loaded.model, [promptIds], { maxNewTokens, doSample: false });
  return row!.slice(promptIds.length);
}

/** Pauses the engine, starts `requests`, waits until all are queued, resumes: they start in one step. */
async function together<T>(count: number, requests: () => Array<Promise<T>>): Promise<T[]> {
  engine.pause();
  let pending: Array<Promise<T>>;
  try {
    pending = requests();
    while (engine.stats.waiting < count) await new Promise((r) => setTimeout(r, 5));
  } finally {
    engine.resume();
  }
  return Promise.all(pending);
}

describe('mixed-adapter batches', () => {
  it('the base and every LoRA adapter share one batch key; prefix tuning decodes alone, and says why', () => {
    const router = engine.router as PeftAdapterRouter;
    expect(router).toBeInstanceOf(PeftAdapterRouter);
    expect([...router.mixing]).toEqual(LORAS);
    for (const m of MIXED) expect(router.batchKey(m)).toBe(MIXED_BATCH_KEY);
    expect(router.batchKey('prefix')).toBe('prefix');
    expect(router.alone.get('prefix')).toMatch(/prompt-learning/);
    // the adapters hold no copy of the base: one set of base weights, every adapter on its layers
    const lora = loaded.model.transformer.getSubmodule<LoraLayer>('h.0.attn.c_attn');
    expect(lora.adapterNames()).toEqual(['lora', 'a', 'b']);
  });

  it('concurrent requests for the base and three LoRA adapters: one forward per step for all, each reply its adapter alone (gptft and PyTorch)', async () => {
    const { client, server } = running;
    const tokenizer = loaded.tokenizer;
    // every model on every prompt; the prompts end at different lengths, so rows leave at different steps
    const lengths = [TORCH.maxNewTokens, 9, 5];
    const jobs = TORCH.prompts.flatMap((prompt, p) =>
      MIXED.map((model) => ({ model, prompt, p, maxTokens: lengths[p]! })),
    );
    // references first: PyTorch's greedy ids are gptft's `generate` with that adapter alone
    for (const j of jobs) {
      const want = TORCH.greedy[j.model]![j.p]!.slice(0, j.maxTokens);
      expect(alone(j.model, j.prompt, j.maxTokens), `${j.model} prompt ${j.p}`).toEqual(want);
    }
    const differ = new Set(MIXED.map((m) => JSON.stringify(TORCH.greedy[m]![0])));
    expect(differ.size).toBe(MIXED.length); // the adapters really change the output
    const prefixPrompt = 'Where is my order?';
    loaded.peft!.enableAdapter();
    loaded.peft!.setAdapter('prefix');
    const prefixWant = generate(loaded.model, prefixPrompt, {
      tokenizer,
      maxNewTokens: 7,
      doSample: false,
    })[0]!;
    await engine.idle();
    const tensors = tf.memory().numTensors;
    const s0 = engine.stats;

    const [prefixReply, ...replies] = await together(jobs.length + 1, () => [
      client.completions.create({ model: 'prefix', prompt: prefixPrompt, temperature: 0, max_tokens: 7 }),
      ...jobs.map((j) =>
        client.completions.create({
          model: j.model,
          prompt: j.prompt,
          temperature: 0,
          max_tokens: j.maxTokens,
        }),
      ),
    ]);
    const s1 = engine.stats;

    jobs.forEach((j, i) => {
      const r = replies[i]!;
      expect(r.model).toBe(j.model);
      const want = TORCH.greedy[j.model]![j.p]!.slice(0, j.maxTokens);
      expect(r.choices[0]!.text, `${j.model} prompt ${j.p}`).toBe(tokenizer.decode(want));
      expect(r.usage!.completion_tokens).toBe(want.length);
      expect(r.choices[0]!.finish_reason).toBe('length');
    });
    expect(prefixReply!.choices[0]!.text).toBe(prefixWant.text);
    const prefixTokens = prefixReply!.usage!.completion_tokens;
    expect(prefixTokens).toBe(7);

    // Forward passes: one prefill per request; then one decode step per new token of the longest
    // row for ALL base and LoRA rows together, plus the prefix request's own steps. Grouped by
    // adapter it would be one step per adapter per token (4 × 11 + 6).
    const longest = Math.max(...lengths);
    expect(s1.prefills - s0.prefills).toBe(jobs.length + 1);
    expect(s1.decodeSteps - s0.decodeSteps).toBe(longest - 1 + (prefixTokens - 1));
    expect(s1.decodedRows - s0.decodedRows).toBe(
      jobs.reduce((n, j) => n + j.maxTokens - 1, 0) + (prefixTokens - 1),
    );
    // every decode step of the mixed batch held rows of all four models
    expect(s1.mixedDecodeSteps - s0.mixedDecodeSteps).toBe(longest - 1);
    expect(engine.stats.activeRows).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
    // /health shows the same counters
    const health = (await (await fetch(`${running.baseURL}/health`)).json()) as { mixedDecodeSteps: number };
    expect(health.mixedDecodeSteps).toBe(s1.mixedDecodeSteps);
    expect(server.engine).toBe(engine);
  });

  it('streamed chat completions of three adapters at once: the same forward passes, each = generate alone', async () => {
    const { client } = running;
    const messages = [{ role: 'user' as const, content: 'Do you ship to Canada?' }];
    const promptIds = loaded.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
    const models = ['a', 'base', 'b'];
    const want = models.map((m) => alone(m, promptIds, 6));
    const s0 = engine.stats;
    const texts = await together(models.length, () =>
      models.map(async (model) => {
        const stream = await client.chat.completions.create({
          model,
          messages,
          temperature: 0,
          max_tokens: 6,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let tokens = 0;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          if (chunk.usage) tokens = chunk.usage.completion_tokens;
        }
        return { text, tokens };
      }),
    );
    const s1 = engine.stats;
    models.forEach((m, i) => {
      // a chat reply stops at <|im_end|> / eos: compare up to where generate's ids stop
      const ids = want[i]!.slice(0, texts[i]!.tokens);
      expect(texts[i]!.text, m).toBe(loaded.tokenizer.decode(ids, { skipSpecialTokens: true }));
    });
    const steps = s1.decodeSteps - s0.decodeSteps;
    const longest = Math.max(...texts.map((t) => t.tokens));
    expect(steps).toBe(longest - 1);
    expect(s1.decodedRows - s0.decodedRows).toBe(texts.reduce((n, t) => n + t.tokens - 1, 0));
  });
});

describe('the grouped fallback', () => {
  it('a bottleneck adapter (layers that cannot mix rows) takes passes of its own; the LoRA adapters beside it still mix; replies unchanged', async () => {
    const BOTTLENECK = fileURLToPath(new URL('../../peft/test/fixtures/bottleneck/houlsby', import.meta.url));
    const other = await loadFixture({ lora: `${FIXTURES}lora`, bn: BOTTLENECK, a: `${WEIGHTED}a` });
    const srv = await startServer({ model: other.model, tokenizer: other.tokenizer, peft: other.peft });
    try {
      const router = srv.server.engine.router as PeftAdapterRouter;
      expect([...router.mixing]).toEqual(['lora', 'a']);
      expect([...router.alone.keys()]).toEqual(['bn']);
      expect(router.alone.get('bn')).toMatch(/AdapterBlock, which cannot run a mixed-adapter batch/);
      for (const m of ['base', 'lora', 'a']) expect(router.batchKey(m)).toBe(MIXED_BATCH_KEY);
      expect(router.batchKey('bn')).toBe('bn');
      const prompt = TORCH.prompts[0]!;
      const models = ['base', 'lora', 'a', 'bn'];
      const want = models.map((m) => {
        const peft = other.peft!;
        if (m === 'base') peft.disableAdapter();
        else {
          peft.enableAdapter();
          peft.setAdapter(m);
        }
        return generate(other.model, [prompt], { maxNewTokens: 6, doSample: false })[0]!.slice(prompt.length);
      });
      expect(want.slice(0, 3)).toEqual(['base', 'lora', 'a'].map((m) => TORCH.greedy[m]![0]!.slice(0, 6)));
      const e = srv.server.engine;
      const s0 = e.stats;
      e.pause();
      const pending = models.map((model) =>
        srv.client.completions.create({ model, prompt, temperature: 0, max_tokens: 6 }),
      );
      while (e.stats.waiting < models.length) await new Promise((r) => setTimeout(r, 5));
      e.resume();
      const replies = await Promise.all(pending);
      const s1 = e.stats;
      replies.forEach((r, i) => {
        expect(r.choices[0]!.text, models[i]).toBe(other.tokenizer.decode(want[i]!));
      });
      // per token: one decode pass for base, lora and a together, one for bn: 2 × 5
      expect(s1.decodeSteps - s0.decodeSteps).toBe(2 * 5);
      expect(s1.mixedDecodeSteps - s0.mixedDecodeSteps).toBe(5);
      expect(want[3]).not.toEqual(want[0]); // the bottleneck adapter changes the output
    } finally {
      await srv.close();
      other.peft?.unload();
      other.model.dispose();
    }
  });
});

describe('which adapters mix', () => {
  it('LoRA with modules_to_save decodes alone; the router leaves the adapter state as it found it', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const peft = getPeftModel(model, loraConfig({ r: 2, target_modules: ['c_attn'] }), {
      adapterName: 'plain',
    });
    peft.addAdapter('saved', loraConfig({ r: 2, target_modules: ['c_fc'], modules_to_save: ['ln_f'] }));
    peft.eval();
    peft.setAdapter('saved');
    const router = new PeftAdapterRouter(peft);
    expect([...router.mixing]).toEqual(['plain']);
    expect(router.alone.get('saved')).toMatch(/modules_to_save \(ln_f\)/);
    expect(router.batchKey('saved')).toBe('saved');
    expect(peft.activeAdapter).toBe('saved');
    expect(peft.adapterDisabled).toBe(false);
    // rows of different batch keys never share a pass
    expect(() => router.run(['plain', 'saved'], () => 0)).toThrow(/different batch keys/);
    peft.dispose();
  });
});
