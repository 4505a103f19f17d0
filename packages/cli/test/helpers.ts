import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

/** How long the tests of a whole training run wait for one `gptft` process (the machine may be loaded). */
export const SLOW_RUN_MS = 900_000;

/**
 * Runs the built `gptft` binary (or `script`, e.g. the package's bin wrapper) in a real node
 * process, with `baseEnv` (default: this process's) plus `env`.
 */
export function gptft(
  args: string[],
  options: {
    input?: string;
    env?: Record<string, string>;
    baseEnv?: NodeJS.ProcessEnv;
    script?: string;
    timeoutMs?: number;
    cwd?: string;
  } = {},
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [options.script ?? bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...(options.baseEnv ?? process.env), GPTFT_WASM_THREADS: '1', ...options.env },
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

/** {@link gptft} with {@link SLOW_RUN_MS} as its timeout: whole training runs on a loaded machine. */
export function slowGptft(args: string[], options: { input?: string } = {}): Promise<RunResult> {
  return gptft(args, { ...options, timeoutMs: SLOW_RUN_MS });
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
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = SLOW_RUN_MS,
): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A tiny GPT-2 (2 layers, width 32) and a 400-token BPE with the ChatML tokens (`dir/tok`), made
 * with the CLI itself (`tokenizer train` + a few `pretrain` steps on Alice) into `dir/name`:
 * fast to train in tests. `extra`: more `pretrain` flags (`--dropout 0.1`, `--max-steps 8`, …).
 */
export async function tinyModel(
  dir: string,
  name: string,
  options: { nPositions: number; extra?: string[] },
): Promise<string> {
  const tok = join(dir, 'tok');
  const model = join(dir, name);
  const alice = join(repoRoot, 'data/gutenberg/pg11.txt');
  let r = await gptft(tokenizerTrainArgs(alice, tok), { timeoutMs: SLOW_RUN_MS });
  expect(r.code, r.stderr).toBe(0);
  r = await gptft(
    [
      'pretrain',
      '--data',
      alice,
      '--tokenizer',
      tok,
      ...['--n-layer', '2', '--n-embd', '32', '--n-head', '2', '--n-positions', String(options.nPositions)],
      '--eval-strategy',
      'no',
      ...(options.extra ?? []),
      '--output-dir',
      model,
    ],
    { timeoutMs: SLOW_RUN_MS },
  );
  expect(r.code, r.stderr).toBe(0);
  return model;
}

/** {@link tinyModel} with dropout 0.1 and a 64-token context, after 2 steps. */
export function tinyDropoutModel(dir: string): Promise<string> {
  return tinyModel(dir, 'tiny-dropout', {
    nPositions: 64,
    extra: ['--dropout', '0.1', '--max-steps', '2', '--save-strategy', 'no'],
  });
}

/**
 * Small training data in `dir`: `alice.txt` (characters `from`–`to` of Alice), `chat.jsonl` (the
 * first `conversations` FastChat conversations) and the sentiment records of {@link sentimentData}.
 */
export function trainingData(
  dir: string,
  options: { from: number; to: number; conversations: number },
): { text: string; chatData: string; sentiment: { train: string; dev: string } } {
  const text = join(dir, 'alice.txt');
  const chatData = join(dir, 'chat.jsonl');
  const alice = readFileSync(join(repoRoot, 'data/gutenberg/pg11.txt'), 'utf8');
  writeFileSync(text, alice.slice(options.from, options.to));
  const convs = JSON.parse(readFileSync(join(repoRoot, 'data/chat/dummy_conversation.json'), 'utf8'));
  writeFileSync(
    chatData,
    `${(convs as unknown[])
      .slice(0, options.conversations)
      .map((c) => JSON.stringify(c))
      .join('\n')}\n`,
  );
  return { text, chatData, sentiment: sentimentData(dir) };
}

/**
 * `gptft train --task sequence-classification --json` of the tiny PyTorch fixture on `dir`'s
 * train.jsonl ({@link sentimentFolder}), saving to `out`; `extra` adds options.
 */
export function trainClassifierArgs(dir: string, out: string, extra: string[] = []): string[] {
  const model = join(repoRoot, 'fixtures/gpt2-tiny-ref/gpt2-tiny');
  return [
    'train',
    '--task',
    'sequence-classification',
    '--model',
    model,
    '--data',
    join(dir, 'train.jsonl'),
    ...extra,
    '--output-dir',
    out,
    '--json',
  ];
}

/** {@link sentimentData} in a new folder (returned). */
export function sentimentFolder(): string {
  const dir = tempDir();
  sentimentData(dir);
  return dir;
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
