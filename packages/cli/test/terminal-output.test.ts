// What a user sees on a terminal (issue 18 §3), captured from the built CLI under a pseudo-terminal
// (util-linux `script`): long work shows a progress bar with an ETA, and the result is the same as
// without a terminal.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, gptft, okJson, repoRoot, sentimentFolder, tempDir, trainClassifierArgs } from './helpers.js';

const model = join(repoRoot, 'fixtures/gpt2-tiny-ref/gpt2-tiny');

/** Runs the built CLI with a terminal as stdin/stdout/stderr; returns everything it wrote. */
function onTerminal(args: string[]): { code: number | null; output: string } {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, GPTFT_WASM_THREADS: '1', COLUMNS: '120' },
    timeout: 300_000,
  });
  return { code: r.status, output: r.stdout };
}

describe('on a terminal', () => {
  it('gptft eval shows a progress bar with blocks done and an ETA, then the same loss as without one', async () => {
    const dir = tempDir();
    const file = join(dir, 'text.txt');
    writeFileSync(file, 'Hello, my name is John and I live in a small town by the sea. '.repeat(40));
    const args = [
      'eval',
      '--model',
      model,
      '--data',
      file,
      '--block-size',
      '16',
      '--per-device-eval-batch-size',
      '2',
    ];
    const plain = okJson(await gptft([...args, '--json']));
    const tty = onTerminal(args);
    expect(tty.code, tty.output).toBe(0);
    const bars = [...tty.output.matchAll(/eval (\d+)\/(\d+) blocks \[[#.]{20}\] (\d+)% \| ETA (\S+)/g)];
    expect(bars.length).toBeGreaterThan(2);
    const total = Number(bars[0]![2]);
    expect(total).toBe(plain.tokens / 15);
    expect(Number(bars.at(-1)![1])).toBe(total);
    expect(bars.at(-1)![3]).toBe('100');
    expect(bars.some((b) => /^\d+(m\d\ds|s)$/.test(b[4]!))).toBe(true); // an ETA in time units
    const result = /loss (\d+\.\d{4}) {2}perplexity/.exec(tty.output);
    expect(result, tty.output).not.toBeNull();
    expect(Number(result![1])).toBeCloseTo(plain.loss, 4);
  });
  it('gptft eval of a classifier shows a progress bar of the examples, then the same metrics as without one', async () => {
    const dir = sentimentFolder();
    const out = join(dir, 'clf');
    const train = trainClassifierArgs(dir, out, [
      '--peft',
      'none',
      '--max-steps',
      '1',
      '--eval-strategy',
      'no',
      '--save-strategy',
      'no',
    ]);
    okJson(await gptft(train, { timeoutMs: 300_000 }));
    const args = [
      'eval',
      '--model',
      out,
      '--data',
      join(dir, 'dev.jsonl'),
      '--per-device-eval-batch-size',
      '2',
    ];
    const plain = okJson(await gptft([...args, '--json']));
    const tty = onTerminal(args);
    expect(tty.code, tty.output).toBe(0);
    const bars = [...tty.output.matchAll(/eval (\d+)\/(\d+) examples \[[#.]{20}\] (\d+)% \| ETA (\S+)/g)];
    expect(bars.length).toBeGreaterThan(2);
    expect(Number(bars[0]![2])).toBe(6); // dev.jsonl: 6 examples, 3 batches of 2
    expect(bars.map((b) => Number(b[1]))).toEqual([0, 2, 4, 6]);
    expect(bars.at(-1)![3]).toBe('100');
    const accuracy = /accuracy: (\d+\.\d{4})/.exec(tty.output);
    expect(accuracy, tty.output).not.toBeNull();
    expect(Number(accuracy![1])).toBeCloseTo(plain.accuracy, 4);
  }, 600_000);
});
