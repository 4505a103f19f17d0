// Load test of `@gptft/serve`: 32 concurrent streaming chat clients over real HTTP on 127.0.0.1,
// then the same 32 requests one at a time, on two models:
//   - fixture: fixtures/gpt2-tiny-ref/gpt2-tiny (2 layers, 64 wide, GPT-2's 50257 vocabulary) with
//     its LoRA and prefix-tuning adapters (base / lora / prefix in turn);
//   - demo:    models/tiny-base (4 layers, 192 wide) with a LoRA adapter trained here for a few
//     steps on data/chat (base / chat in turn), or GPTFT_BENCH_ADAPTER=<dir> (e.g. the demo's result).
// Prints requests/s, tokens/s, p50/p99 time to first token and per-token latency, the mean batch,
// batching's speed-up over one-at-a-time, that no request was lost and that tensors/bytes are
// the same after as before. Exits 1 if a request was lost, memory grew or the time bound passed.
//   - mixed:   the fixture with three LoRA adapters (its own and @gptft/peft's two `weighted` ones):
//     base / lora / a / b in turn, 32 concurrent clients decoded in one forward pass per step
//     (mixed-adapter batches) against the same clients with one forward pass per adapter and step.
//   pnpm --filter @gptft/serve bench     (GPTFT_BENCH_TIMEOUT seconds, default 900; GPTFT_BENCH_CLIENTS, default 32;
//                                         GPTFT_BENCH_ONLY=fixture|demo|mixed runs one scenario)
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2LMHeadModel, setupChatModel } from '@gptft/heads';
import { getPeftModel, loraConfig, type PeftModel } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import {
  type AdapterRouter,
  BASE_MODEL,
  createServer,
  loadAdapters,
  PeftAdapterRouter,
  type ServeOptions,
} from '../src/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLIENTS = Number(process.env.GPTFT_BENCH_CLIENTS ?? 32);
const MAX_TOKENS = 32;
const deadline = Date.now() + Number(process.env.GPTFT_BENCH_TIMEOUT ?? 900) * 1000;

/** The first user message of each conversation in data/chat (mixed lengths). */
function userMessages(): string[] {
  const convs = JSON.parse(readFileSync(`${REPO}data/chat/dummy_conversation.json`, 'utf8')) as Array<{
    conversations: Array<{ from: string; value: string }>;
  }>;
  const seeds = readFileSync(`${REPO}data/chat/self-instruct-seed-chat.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { messages: Array<{ content: string }> }).messages[0]!.content);
  const out = [...new Set([...convs.map((c) => c.conversations[0]!.value), ...seeds])];
  return out.filter((m) => m.length < 300);
}

interface Sample {
  ttft: number; //       ms to the first content piece
  perToken: number; //   ms per token after the first
  tokens: number;
  done: boolean; //      [DONE] and a finish_reason seen
  text: string;
}

/** One streamed chat completion, timed. */
async function streamChat(baseURL: string, model: string, content: string): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(`${baseURL}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content }],
      temperature: 0,
      max_tokens: MAX_TOKENS,
      stream: true,
      stream_options: { include_usage: true },
    }),
    signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
  });
  if (!res.ok || !res.body) throw new Error(`${res.status}: ${await res.text()}`);
  let first = 0;
  let last = 0;
  let tokens = 0;
  let finished = false;
  let done = false;
  let text = '';
  let buffer = '';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value: piece, done: ended } = await reader.read();
    if (ended) break;
    buffer += piece;
    for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
      const data = buffer.slice(6, cut);
      buffer = buffer.slice(cut + 2);
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      const json = JSON.parse(data);
      if (json.error) throw new Error(json.error.message);
      const c = json.choices[0];
      if (c?.delta?.content) {
        const now = performance.now();
        if (first === 0) first = now;
        last = now;
        text += c.delta.content;
      }
      if (c?.finish_reason) finished = true;
      if (json.usage) tokens = json.usage.completion_tokens;
    }
  }
  return {
    ttft: (first || performance.now()) - t0,
    perToken: tokens > 1 && last > first ? (last - first) / (tokens - 1) : 0,
    tokens,
    done: done && finished,
    text,
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

interface RunStats {
  wall: number;
  samples: Sample[];
  meanBatch: number;
}

async function runScenario(name: string, options: ServeOptions, models: string[]): Promise<boolean> {
  const server = createServer({ ...options, maxBatchRows: CLIENTS, maxQueue: CLIENTS });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const messages = userMessages();
  const jobs = Array.from({ length: CLIENTS }, (_, i) => ({
    model: models[i % models.length]!,
    content: messages[(i * 7) % messages.length]!,
  }));
  // warm-up (first forward passes compile kernels), not measured
  await Promise.all(models.map((m) => streamChat(baseURL, m, 'Hello')));
  const mem0 = tf.memory();
  const measure = async (concurrent: boolean): Promise<RunStats> => {
    const s0 = server.engine.stats;
    const t0 = performance.now();
    let samples: Sample[];
    if (concurrent) samples = await Promise.all(jobs.map((j) => streamChat(baseURL, j.model, j.content)));
    else {
      samples = [];
      for (const j of jobs) samples.push(await streamChat(baseURL, j.model, j.content));
    }
    const wall = (performance.now() - t0) / 1000;
    const s1 = server.engine.stats;
    return {
      wall,
      samples,
      meanBatch: (s1.decodedRows - s0.decodedRows) / Math.max(1, s1.decodeSteps - s0.decodeSteps),
    };
  };
  const batched = await measure(true);
  const serial = await measure(false);
  await server.shutdown({ graceMs: 0 });
  const mem1 = tf.memory();
  const row = (mode: string, r: RunStats) => {
    const tokens = r.samples.reduce((s, x) => s + x.tokens, 0);
    const per = r.samples.map((x) => x.perToken).filter((x) => x > 0);
    return {
      mode,
      requests: r.samples.length,
      'wall s': r.wall.toFixed(2),
      'req/s': (r.samples.length / r.wall).toFixed(2),
      'tok/s': (tokens / r.wall).toFixed(1),
      'TTFT p50 ms': pct(
        r.samples.map((x) => x.ttft),
        50,
      ).toFixed(0),
      'TTFT p99 ms': pct(
        r.samples.map((x) => x.ttft),
        99,
      ).toFixed(0),
      'ms/token p50': pct(per, 50).toFixed(1),
      'ms/token p99': pct(per, 99).toFixed(1),
      'mean batch': r.meanBatch.toFixed(1),
    };
  };
  const b = row(`${CLIENTS} concurrent`, batched);
  const s = row('one at a time', serial);
  console.log(`\n## ${name}`);
  console.table([b, s]);
  const lost = [...batched.samples, ...serial.samples].filter((x) => !x.done).length;
  const same = batched.samples.every((x, i) => x.text === serial.samples[i]!.text);
  const speedup = Number(b['tok/s']) / Number(s['tok/s']);
  console.log(
    `speed-up of batching (tok/s): ${speedup.toFixed(2)}×; requests lost: ${lost}; batched text = one-at-a-time text: ${same}; tensors ${mem0.numTensors} → ${mem1.numTensors}, bytes ${mem0.numBytes} → ${mem1.numBytes}; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
  return lost === 0 && same && mem1.numTensors === mem0.numTensors && mem1.numBytes === mem0.numBytes;
}

/** One forward pass per adapter and step (what the server did before mixed-adapter batches). */
function groupedRouter(peft: PeftModel<GPT2LMHeadModel>): AdapterRouter {
  const inner = new PeftAdapterRouter(peft);
  return {
    names: inner.names,
    batchKey: (adapter) => adapter,
    reservedPositions: (adapter) => inner.reservedPositions(adapter),
    run(rowAdapters, forward) {
      const adapter = rowAdapters[0] ?? BASE_MODEL;
      if (adapter === BASE_MODEL) peft.disableAdapter();
      else {
        peft.enableAdapter();
        peft.setAdapter(adapter);
      }
      return forward({});
    },
  };
}

/** The same concurrent clients with mixed-adapter batches and with one forward pass per adapter. */
async function runMixedScenario(
  name: string,
  options: ServeOptions & { peft: PeftModel<GPT2LMHeadModel> },
  models: string[],
): Promise<boolean> {
  const messages = userMessages();
  const jobs = Array.from({ length: CLIENTS }, (_, i) => ({
    model: models[i % models.length]!,
    content: messages[(i * 7) % messages.length]!,
  }));
  const modes = [
    { mode: 'mixed batches', router: undefined },
    { mode: 'one pass per adapter', router: groupedRouter(options.peft) },
  ].map(({ mode, router }) => ({
    mode,
    server: createServer({ ...options, ...(router && { router }), maxBatchRows: CLIENTS, maxQueue: CLIENTS }),
  }));
  for (const { server } of modes) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const urlOf = (server: (typeof modes)[number]['server']) =>
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const { server } of modes) await Promise.all(models.map((m) => streamChat(urlOf(server), m, 'Hello'))); // warm-up
  const mem0 = tf.memory();
  // A B A B: the first round of each warms the process (a first run is markedly slower); the second is reported
  const rows: Array<Record<string, string | number>> = [];
  const texts: string[][] = [];
  let lost = 0;
  for (const round of [0, 1]) {
    for (const { mode, server } of modes) {
      const s0 = server.engine.stats;
      const t0 = performance.now();
      const samples = await Promise.all(jobs.map((j) => streamChat(urlOf(server), j.model, j.content)));
      const wall = (performance.now() - t0) / 1000;
      const s1 = server.engine.stats;
      lost += samples.filter((x) => !x.done).length;
      texts.push(samples.map((x) => x.text));
      if (round === 0) continue;
      const tokens = samples.reduce((n, x) => n + x.tokens, 0);
      const steps = s1.decodeSteps - s0.decodeSteps;
      rows.push({
        mode,
        requests: samples.length,
        'wall s': wall.toFixed(2),
        'tok/s': (tokens / wall).toFixed(1),
        'TTFT p50 ms': pct(
          samples.map((x) => x.ttft),
          50,
        ).toFixed(0),
        'ms/token p50': pct(
          samples.map((x) => x.perToken).filter((x) => x > 0),
          50,
        ).toFixed(1),
        'decode passes': steps,
        'mean batch': ((s1.decodedRows - s0.decodedRows) / Math.max(1, steps)).toFixed(1),
      });
    }
  }
  for (const { server } of modes) await server.shutdown({ graceMs: 0 });
  const mem1 = tf.memory();
  const flat = mem1.numTensors === mem0.numTensors && mem1.numBytes === mem0.numBytes;
  console.log(`\n## ${name}`);
  console.table(rows);
  const same = texts.every((run) => run.every((t, i) => t === texts[0]![i]));
  const speedup = Number(rows[0]!['tok/s']) / Number(rows[1]!['tok/s']);
  console.log(
    `speed-up of mixed batches over one pass per adapter (tok/s): ${speedup.toFixed(2)}×; decode passes ${rows[0]!['decode passes']} vs ${rows[1]!['decode passes']}; requests lost: ${lost}; same texts: ${same}; memory flat: ${flat}`,
  );
  return lost === 0 && same && flat;
}

/** A LoRA adapter on tiny-base, trained for a few AdamW steps on ChatML conversations of data/chat. */
async function quickChatAdapter(
  model: GPT2LMHeadModel,
  tokenizer: GPT2Tokenizer,
): Promise<PeftModel<GPT2LMHeadModel>> {
  const peft = getPeftModel(model, loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn'] }), {
    adapterName: 'chat',
    seed: 1,
  });
  const lines = readFileSync(`${REPO}data/chat/self-instruct-seed-chat.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean);
  const convs = lines
    .slice(0, 32)
    .map((l) => (JSON.parse(l) as { messages: Array<{ role: string; content: string }> }).messages);
  const optimizer = tf.train.adam(2e-3);
  peft.train();
  const t0 = performance.now();
  let loss = 0;
  for (let step = 0; step < 12; step++) {
    const ids = tokenizer.applyChatTemplate(convs[step % convs.length]!, {}).slice(0, 128);
    const l = optimizer.minimize(
      () => model.forward({ inputIds: [ids], labels: [ids] }).loss as tf.Scalar,
      true,
      peft.trainableVariables(),
    );
    loss = l!.dataSync()[0]!;
    l!.dispose();
  }
  optimizer.dispose();
  peft.eval();
  console.log(
    `trained the "chat" LoRA adapter: 12 steps in ${((performance.now() - t0) / 1000).toFixed(1)} s, last loss ${loss.toFixed(3)}`,
  );
  return peft;
}

/** A model folder with its tokenizer, ChatML set up as `gptft chat` does. */
async function loadChatModel(dir: string): Promise<{ model: GPT2LMHeadModel; tokenizer: GPT2Tokenizer }> {
  const model = await GPT2LMHeadModel.fromPretrained(dir);
  const tokenizer = await GPT2Tokenizer.fromPretrained(dir);
  setupChatModel(model, tokenizer);
  return { model, tokenizer };
}

await useBackend('wasm');
console.log(
  `@gptft/serve load test — ${new Date().toISOString()}, ${cpus().length} CPUs, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}, ${CLIENTS} clients, ${MAX_TOKENS} max tokens each, greedy, wasm backend`,
);
let ok = true;
const only = process.env.GPTFT_BENCH_ONLY;
if (!only || only === 'fixture') {
  const fx = `${REPO}fixtures/gpt2-tiny-ref/`;
  const { model, tokenizer } = await loadChatModel(`${fx}gpt2-tiny`);
  const peft = await loadAdapters(model, { lora: `${fx}lora`, prefix: `${fx}prefix` });
  ok =
    (await runScenario('fixture (gpt2-tiny + LoRA + prefix)', { model, tokenizer, ...(peft && { peft }) }, [
      'base',
      'lora',
      'prefix',
    ])) && ok;
  model.dispose();
}
if (!only || only === 'demo') {
  const { model, tokenizer } = await loadChatModel(`${REPO}models/tiny-base`);
  const given = process.env.GPTFT_BENCH_ADAPTER;
  const peft = given ? await loadAdapters(model, { chat: given }) : await quickChatAdapter(model, tokenizer);
  ok =
    (await runScenario(
      `demo (models/tiny-base + "chat" LoRA${given ? ` from ${given}` : ''})`,
      { model, tokenizer, ...(peft && { peft }) },
      ['base', 'chat'],
    )) && ok;
  model.dispose();
}
if (!only || only === 'mixed') {
  const fx = `${REPO}fixtures/gpt2-tiny-ref/`;
  const weighted = `${REPO}packages/peft/test/fixtures/weighted/`;
  const setups: Array<[string, string, (m: GPT2LMHeadModel) => Promise<PeftModel<GPT2LMHeadModel>>]> = [
    [
      'gpt2-tiny + three LoRA adapters',
      `${fx}gpt2-tiny`,
      async (m) => (await loadAdapters(m, { lora: `${fx}lora`, a: `${weighted}a`, b: `${weighted}b` }))!,
    ],
    [
      // random, non-zero adapters: the outputs are noise, the work is real
      'models/tiny-base + three LoRA adapters',
      `${REPO}models/tiny-base`,
      async (m) => {
        const cfg = () =>
          loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn'], init_lora_weights: false });
        const peft = getPeftModel(m, cfg(), { adapterName: 'one', seed: 1 });
        peft.addAdapter('two', cfg(), { seed: 2 });
        peft.addAdapter('three', cfg(), { seed: 3 });
        return peft.eval();
      },
    ],
  ];
  for (const [label, dir, attach] of setups) {
    const { model, tokenizer } = await loadChatModel(dir);
    const peft = await attach(model);
    const models = ['base', ...Object.keys(peft.peftConfig)];
    ok =
      (await runMixedScenario(
        `mixed (${label}: ${models.join(' / ')})`,
        { model, tokenizer, peft },
        models,
      )) && ok;
    model.dispose();
  }
}
if (Date.now() > deadline) {
  console.log('the time bound passed');
  ok = false;
}
console.log(ok ? '\nall requests completed, memory flat' : '\nFAILED: see above');
process.exitCode = ok ? 0 : 1;
