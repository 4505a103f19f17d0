// Fuzzing the two parsers a checkpoint folder goes through: the safetensors header (@gptft/hub) and
// config.json (GPT2Config, then GPT2Model.fromPretrained against a real checkpoint). Random and
// mutated inputs, generated from fixed seeds (deterministic: input i of a seed is always the same),
// run in a child process (fuzz/fuzz-driver.ts) so that a hang or a crash is caught and named too.
// Every input must be loaded, or refused with the loader's own error naming the file.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const driver = fileURLToPath(new URL('./fuzz/fuzz-driver.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
/** Kill the driver when one input has made no progress for this long (a hang, not slowness). */
const STUCK_MS = 100_000;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gptft-fuzz-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface FuzzRun {
  loaded: number;
  refused: number;
  bad: string[];
  /** The input being processed when the driver was killed for making no progress. */
  stuck?: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function fuzz(target: 'safetensors' | 'config', seed: number, count: number): Promise<FuzzRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [driver, target, String(seed), String(count), join(work, `${target}-${seed}`)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: FuzzRun = { loaded: 0, refused: 0, bad: [], code: null, signal: null, stderr: '' };
    let current = '';
    let pending = '';
    let timer = setTimeout(() => undefined, 0);
    const watch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        run.stuck = current;
        child.kill('SIGKILL');
      }, STUCK_MS);
    };
    watch();
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, i, ...rest] = line.split(' ');
        if (kind === 'start') {
          current = `${target} seed ${seed} input ${i}`;
          watch();
        } else if (kind === 'loaded') run.loaded++;
        else if (kind === 'refused') run.refused++;
        else run.bad.push(`${target} seed ${seed} input ${i}: ${rest.join(' ')}`);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      run.stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ...run, code, signal });
    });
  });
}

function expectClean(run: FuzzRun, count: number): void {
  expect(run.stuck, 'an input hung (no progress)').toBeUndefined();
  expect(run.bad).toEqual([]);
  expect({ code: run.code, signal: run.signal }, run.stderr.slice(-2000)).toEqual({ code: 0, signal: null });
  expect(run.loaded + run.refused).toBe(count);
  // Both verdicts occur, so the inputs are neither all garbage nor all valid.
  expect(run.loaded).toBeGreaterThan(count / 50);
  expect(run.refused).toBeGreaterThan(count / 2);
}

// Minutes on a loaded machine; the watchdog, not this limit, is what catches a hang.
describe('fuzz: every input is loaded or refused naming the file; none hangs, none crashes', {
  timeout: 1_200_000,
}, () => {
  it('safetensors headers: 2,000 random and mutated files (open, openCheckpoint, fromBytes)', async () => {
    expectClean(await fuzz('safetensors', 16, 2000), 2000);
  });

  it('config.json: 600 random and mutated configs loaded with GPT2Model.fromPretrained', async () => {
    expectClean(await fuzz('config', 16, 600), 600);
  });
});
