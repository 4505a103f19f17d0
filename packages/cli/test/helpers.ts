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
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
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

/** A running `gptft` process whose output the test watches (to kill it at an observable point). */
export interface RunningGptft {
  child: import('node:child_process').ChildProcess;
  /** stdout and stderr so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process ends (exit code, or the signal that ended it). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built `gptft` binary (node flags such as `--import` first) without waiting for it. */
export function startGptft(
  args: string[],
  options: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): RunningGptft {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, GPTFT_WASM_THREADS: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => {
    out.stdout += d;
  });
  child.stderr!.on('data', (d) => {
    out.stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal }));
  });
  return {
    child,
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    done,
  };
}

/** Polls `condition` every 10 ms until it holds (or `timeoutMs` passes: an error naming `what`). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A tiny GPT-2 with dropout 0.1 (2 layers, width 32, context 64) and a 400-token BPE with the
 * ChatML tokens, made with the CLI itself (`tokenizer train` + 2 `pretrain` steps): fast to train
 * in tests that need real dropout. Returns the model folder.
 */
export async function tinyDropoutModel(dir: string): Promise<string> {
  const tok = join(dir, 'tok');
  const model = join(dir, 'tiny-dropout');
  const alice = join(repoRoot, 'data/gutenberg/pg11.txt');
  let r = await gptft(tokenizerTrainArgs(alice, tok));
  expect(r.code, r.stderr).toBe(0);
  r = await gptft([
    'pretrain',
    '--data',
    alice,
    '--tokenizer',
    tok,
    '--n-layer',
    '2',
    '--n-embd',
    '32',
    '--n-head',
    '2',
    '--n-positions',
    '64',
    '--dropout',
    '0.1',
    '--max-steps',
    '2',
    '--eval-strategy',
    'no',
    '--save-strategy',
    'no',
    '--output-dir',
    model,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return model;
}

/** `{text, label}` records of two easily told apart classes (train.jsonl 16, dev.jsonl 6) in `dir`. */
export function sentimentData(dir: string): { train: string; dev: string } {
  const rows = (n: number, off: number) =>
    Array.from({ length: n }, (_, i) => {
      const pos = (i + off) % 2 === 0;
      return JSON.stringify({
        text: pos ? 'a wonderful, lovely film' : 'a dull and boring mess',
        label: pos ? 'pos' : 'neg',
      });
    }).join('\n');
  const train = join(dir, 'train.jsonl');
  const dev = join(dir, 'dev.jsonl');
  writeFileSync(train, `${rows(16, 0)}\n`);
  writeFileSync(dev, `${rows(6, 1)}\n`);
  return { train, dev };
}
