import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(packageDir, '../..');
export const bin = join(packageDir, 'dist', 'bin.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `gptft` binary in a real node process. */
export function gptft(
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, GPTFT_WASM_THREADS: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 110_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export function tempDir(prefix = 'gptft-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The JSON a `--json` run printed, after checking it exited 0 (stderr shown otherwise). */
export function okJson(r: RunResult): any {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** `gptft tokenizer train` of a 400-token BPE with the ChatML special tokens (ids 0–2). */
export function tokenizerTrainArgs(data: string, outputDir: string): string[] {
  return [
    'tokenizer',
    'train',
    '--data',
    data,
    '--vocab-size',
    '400',
    '--special-tokens',
    '<|endoftext|>',
    '<|im_start|>',
    '<|im_end|>',
    '--output-dir',
    outputDir,
  ];
}

/** train.jsonl (16) and dev.jsonl (6) of two easily told apart classes. */
export function sentimentData(): string {
  const dir = tempDir();
  const rows = (n: number, off: number) =>
    Array.from({ length: n }, (_, i) => {
      const pos = (i + off) % 2 === 0;
      return JSON.stringify({
        text: pos ? 'a wonderful, lovely film' : 'a dull and boring mess',
        label: pos ? 'pos' : 'neg',
      });
    }).join('\n');
  writeFileSync(join(dir, 'train.jsonl'), `${rows(16, 0)}\n`);
  writeFileSync(join(dir, 'dev.jsonl'), `${rows(6, 1)}\n`);
  return dir;
}
