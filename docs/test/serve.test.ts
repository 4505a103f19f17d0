// The README's "Serve it" section and the serve guide: `gptft serve`, then the curl script and the
// openai-client example against it (here on the tiny fixture with its LoRA adapter, which the
// examples ask for by name as they would ask for the demo's `demo-chat`).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_GPT2, TINY_LORA } from '../examples/fixture.js';
import { askServer } from '../examples/serve-openai.js';

const bin = createRequire(import.meta.url)
  .resolve('@gptft/cli/package.json')
  .replace(/package\.json$/, 'dist/bin.js');
const curlScript = fileURLToPath(new URL('../examples/serve-curl.sh', import.meta.url));
const openaiExample = fileURLToPath(new URL('../examples/serve-openai.ts', import.meta.url));
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

let child: ChildProcess;
let url: string;

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [bin, 'serve', '--model', TINY_GPT2, '--adapter', `lora=${TINY_LORA}`, '--port', '0'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GPTFT_WASM_THREADS: '1' },
    },
  );
  let stderr = '';
  url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/\S+)\n/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`gptft serve exited with ${code}: ${stderr}`)));
  });
});
afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
});

describe('serve it (README, guide/serve)', () => {
  it('the openai client example: models, a reply, the same reply streamed', async () => {
    const log = console.log;
    const write = process.stdout.write;
    console.log = () => {};
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const out = await askServer(url, 'lora').finally(() => {
      console.log = log;
      process.stdout.write = write;
    });
    expect(out.models).toEqual(['base', 'lora']);
    expect(out.reply.length).toBeGreaterThan(5);
    expect(out.streamed).toBe(out.reply);
  });

  it('the curl script: the chat.completion JSON, then the same reply as server-sent events ending in [DONE]', async () => {
    const { stdout } = await promisify(execFile)('bash', [curlScript], {
      env: { ...process.env, GPTFT_URL: url, GPTFT_MODEL: 'lora' },
    });
    const [first, ...events] = stdout.split('\n');
    const whole = JSON.parse(first!);
    expect(whole).toMatchObject({
      object: 'chat.completion',
      model: 'lora',
      choices: [{ finish_reason: expect.any(String) }],
    });
    const data = events.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    expect(data.at(-1)).toBe('[DONE]');
    const streamed = data
      .slice(0, -1)
      .map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '')
      .join('');
    expect(streamed).toBe(whole.choices[0].message.content);
    const viaClient = await askServer(url, 'lora').catch(() => undefined);
    expect(viaClient?.reply).toBe(whole.choices[0].message.content);
  });

  it('the README shows exactly these two examples', () => {
    const body = (f: string) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('#!'))
        .join('\n')
        .trim();
    expect(readme).toContain('## Serve it');
    expect(readme).toContain(body(curlScript));
    expect(readme).toContain(body(openaiExample));
  });
});
