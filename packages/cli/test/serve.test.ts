// `gptft serve` as a script uses it: the listening line, the openai client against it, greedy
// replies equal to `gptft generate --greedy` and `gptft chat` on the same model and prompt, a LoRA
// adapter picked by `model`, SIGTERM → exit 0 after the running request finished.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, gptft, okJson, repoRoot, tempDir } from './helpers.js';

const ref = join(repoRoot, 'fixtures/gpt2-tiny-ref');
const model = join(ref, 'gpt2-tiny');
const lora = join(ref, 'lora');

let child: ChildProcess;
let url: string;
let stderr = '';
let client: OpenAI;

/** Starts `gptft serve …` and resolves with its URL once it printed the listening line. */
function startServe(args: string[]): Promise<string> {
  child = spawn(process.execPath, [bin, 'serve', ...args], {
    cwd: repoRoot,
    env: { ...process.env, GPTFT_WASM_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`gptft serve exited with ${code}: ${stderr}`)));
  });
}

beforeAll(async () => {
  url = await startServe([
    '--model',
    model,
    '--adapter',
    `lora=${lora}`,
    '--adapter',
    `prefix=${join(ref, 'prefix')}`,
    '--port',
    '0',
  ]);
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0, timeout: 120_000 });
});
afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('gptft serve', () => {
  it('prints "listening on http://HOST:PORT" (--port 0: a free port) and serves base + the adapters; says which adapters cannot share forward passes', async () => {
    expect(stderr).toMatch(/^listening on http:\/\/127\.0\.0\.1:[1-9]\d*$/m);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['base', 'lora', 'prefix']);
    // LoRA rows share the base's forward passes; prefix tuning cannot, and it says so
    expect(stderr).toMatch(/note: adapter "prefix" is decoded in forward passes of its own.*prompt-learning/);
    expect(stderr).not.toContain('note: adapter "lora"');
  });

  it('text completion, streamed or not, equals `gptft generate --greedy` on the same prompt', async () => {
    const prompt = 'Once upon a time';
    const want = okJson(
      await gptft([
        'generate',
        '--model',
        model,
        '--prompt',
        prompt,
        '--greedy',
        '--max-new-tokens',
        '20',
        '--json',
      ]),
    );
    const r = await client.completions.create({ model: 'base', prompt, temperature: 0, max_tokens: 20 });
    expect(want.ids).toHaveLength(20);
    expect(r.choices[0]!.text).toBe(want.text);
    const stream = await client.completions.create({
      model: 'base',
      prompt,
      temperature: 0,
      max_tokens: 20,
      stream: true,
    });
    let streamed = '';
    for await (const c of stream) streamed += c.choices[0]?.text ?? '';
    expect(streamed).toBe(want.text);
  });

  it('chat completion with the LoRA adapter, streamed or not, equals `gptft chat --adapter` (its reply, trimmed)', async () => {
    const question = 'Where is my order?';
    const want = okJson(
      await gptft(
        [
          'chat',
          '--model',
          model,
          '--adapter',
          lora,
          '--greedy',
          '--repetition-penalty',
          '1',
          '--max-new-tokens',
          '24',
          '--json',
        ],
        { input: `${question}\n` },
      ),
    ).turns[0].assistant as string;
    expect(want.length).toBeGreaterThan(5);
    const messages = [{ role: 'user' as const, content: question }];
    const r = await client.chat.completions.create({
      model: 'lora',
      messages,
      temperature: 0,
      max_tokens: 24,
    });
    expect(r.choices[0]!.message.content!.trim()).toBe(want);
    const stream = await client.chat.completions.create({
      model: 'lora',
      messages,
      temperature: 0,
      max_tokens: 24,
      stream: true,
    });
    let streamed = '';
    for await (const c of stream) streamed += c.choices[0]?.delta.content ?? '';
    expect(streamed).toBe(r.choices[0]!.message.content);
    // gptft chat's default repetition penalty (1.2) through vLLM's extension field
    const want12 = okJson(
      await gptft(
        ['chat', '--model', model, '--adapter', lora, '--greedy', '--max-new-tokens', '24', '--json'],
        {
          input: `${question}\n`,
        },
      ),
    ).turns[0].assistant as string;
    const r12 = await client.chat.completions.create({
      model: 'lora',
      messages,
      temperature: 0,
      max_tokens: 24,
      ...({ repetition_penalty: 1.2 } as object),
    });
    expect(r12.choices[0]!.message.content!.trim()).toBe(want12);
  });

  it('SIGTERM: the running request finishes, then the process exits 0', async () => {
    const stream = await client.completions.create({
      model: 'base',
      prompt: 'Hello',
      temperature: 0,
      max_tokens: 60,
      stream: true,
    });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    let finish: string | null = null;
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      finish = n.value.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).not.toBeNull();
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM: finishing running requests');
  });

  it('--model an adapter folder: served under its folder name on the base its adapter_config.json names', async () => {
    const dir = join(tempDir(), 'shop-bot');
    mkdirSync(dir);
    copyFileSync(join(lora, 'adapter_model.safetensors'), join(dir, 'adapter_model.safetensors'));
    const config = JSON.parse(readFileSync(join(lora, 'adapter_config.json'), 'utf8'));
    writeFileSync(
      join(dir, 'adapter_config.json'),
      JSON.stringify({ ...config, base_model_name_or_path: model }),
    );
    const other = spawn(process.execPath, [bin, 'serve', '--model', dir, '--port', '0'], {
      cwd: repoRoot,
      env: { ...process.env, GPTFT_WASM_THREADS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const at = await new Promise<string>((resolve, reject) => {
      other.stderr!.on('data', (d) => {
        err += d;
        const m = /listening on (http:\/\/\S+)\n/.exec(err);
        if (m) resolve(m[1]!);
      });
      other.on('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
    });
    const ids = (await new OpenAI({ baseURL: `${at}/v1`, apiKey: 'none' }).models.list()).data.map(
      (m) => m.id,
    );
    expect(ids).toEqual(['base', 'shop-bot']);
    const exited = new Promise((r) => other.on('exit', (code) => r(code)));
    other.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad --adapter before loading anything', async () => {
    const r = await gptft(['serve', '--model', model, '--adapter', `x=${model}`, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--adapter x=.*has no adapter_config\.json/);
  });
});
