// Continuous batching changes no result: 16 concurrent requests (mixed prompts, lengths, adapters,
// chat and text) give the greedy outputs they give served one at a time, and they really were
// decoded together (batched decode steps with more than one row).
import { tf } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loaded, loadFixture, type Running, startServer } from './helpers.js';

let loaded: Loaded;
let running: Running;

beforeAll(async () => {
  loaded = await loadFixture();
  running = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer, peft: loaded.peft });
});
afterAll(async () => {
  await running?.close();
  loaded?.peft?.unload();
  loaded?.model.dispose();
});

const MODELS = ['base', 'lora', 'prefix'];
const USER = [
  'Where is my order?',
  'Hi',
  'Can I return a pair of shoes that I bought three weeks ago and never wore?',
  'Thanks!',
  'My parcel arrived damaged, what now?',
  'Do you ship to Canada?',
  'Cancel my subscription please',
  'What are your opening hours on Sunday?',
];

interface Job {
  kind: 'chat' | 'text';
  model: string;
  content: string;
  maxTokens: number;
}

const JOBS: Job[] = Array.from({ length: 16 }, (_, i) => ({
  kind: i % 4 === 3 ? 'text' : 'chat',
  model: MODELS[i % 3]!,
  content: USER[i % USER.length]!,
  maxTokens: 4 + ((i * 7) % 23), // 4 … 26: rows finish (and leave the batch) at different steps
}));

async function run(job: Job): Promise<{ text: string; finish: string; tokens: number }> {
  const { client } = running;
  if (job.kind === 'chat') {
    const r = await client.chat.completions.create({
      model: job.model,
      messages: [{ role: 'user', content: job.content }],
      temperature: 0,
      max_tokens: job.maxTokens,
    });
    return {
      text: r.choices[0]!.message.content!,
      finish: r.choices[0]!.finish_reason,
      tokens: r.usage!.completion_tokens,
    };
  }
  const r = await client.completions.create({
    model: job.model,
    prompt: job.content,
    temperature: 0,
    max_tokens: job.maxTokens,
  });
  return {
    text: r.choices[0]!.text,
    finish: r.choices[0]!.finish_reason,
    tokens: r.usage!.completion_tokens,
  };
}

describe('continuous batching', () => {
  it('16 concurrent requests give the greedy outputs of the same requests one at a time', async () => {
    const before = tf.memory().numTensors;
    const alone = [];
    for (const job of JOBS) alone.push(await run(job));
    const engine = running.server.engine;
    const s0 = engine.stats;
    const together = await Promise.all(JOBS.map((job) => run(job)));
    const s1 = engine.stats;
    expect(together).toEqual(alone);
    // they were decoded together: fewer decode steps than rows decoded, i.e. batches of > 1 row
    const steps = s1.decodeSteps - s0.decodeSteps;
    const rows = s1.decodedRows - s0.decodedRows;
    expect(rows / steps).toBeGreaterThan(2);
    expect(s1.prefills - s0.prefills).toBe(16);
    expect(engine.stats.activeRows).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    // the outputs are not trivial: several lengths and both finish reasons' worth of tokens
    expect(new Set(alone.map((a) => a.tokens)).size).toBeGreaterThan(4);
  });
});
