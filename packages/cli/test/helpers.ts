import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
