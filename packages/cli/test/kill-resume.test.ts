// Fault injection (issue 16): `gptft train` (causal LM and sequence classification, dropout on,
// shuffling, evaluation) is SIGKILLed at several points — after a checkpoint, in the middle of a
// checkpoint save, between checkpoints — and resumed each time with --resume-from-checkpoint
// latest; `sft` (LoRA) and `pretrain` once each. The resumed runs end with the uninterrupted run's
// log (every step's loss, every evaluation) and weights, within 1e-6 relative, and no checkpoint
// folder is ever half-written. Kill points are chosen by what the test can see (a folder appearing,
// a progress line, a marker file written by a fault-injection preload), never by sleeping.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafetensorsFile } from '@gptft/hub';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  slowGptft,
  okJson,
  type RunningGptft,
  startGptft,
  tempDir,
  tinyDropoutModel,
  trainingData,
  waitFor,
  SLOW_RUN_MS,
} from './helpers.js';

const gptft = slowGptft;
const pausePreload = fileURLToPath(new URL('./fixtures/pause-in-checkpoint-save.mjs', import.meta.url));
const dir = tempDir();
let model: string;
let text: string;
let chatData: string;
let sentiment: { train: string; dev: string };

beforeAll(async () => {
  model = await tinyDropoutModel(dir);
  ({ text, chatData, sentiment } = trainingData(dir, { from: 3000, to: 4300, conversations: 10 }));
}, 2 * SLOW_RUN_MS);

const common = ['--max-steps', '12', '--save-steps', '3', '--save-total-limit', '2', '--logging-steps', '1'];
const commands: Record<string, (out: string) => string[]> = {
  'train --task causal-lm': (out) => [
    'train',
    '--model',
    model,
    '--data',
    text,
    '--block-size',
    '16',
    '--per-device-train-batch-size',
    '4',
    '--validation-split-percentage',
    '10',
    '--eval-steps',
    '4',
    '--learning-rate',
    '1e-3',
    ...common,
    '--output-dir',
    out,
    '--json',
  ],
  'train --task sequence-classification': (out) => [
    'train',
    '--task',
    'sequence-classification',
    '--model',
    model,
    '--data',
    sentiment.train,
    '--validation-data',
    sentiment.dev,
    '--per-device-train-batch-size',
    '3',
    '--eval-steps',
    '4',
    '--learning-rate',
    '1e-3',
    ...common,
    '--output-dir',
    out,
    '--json',
  ],
  'sft (LoRA)': (out) => [
    'sft',
    '--model',
    model,
    '--data',
    chatData,
    '--max-seq-length',
    '64',
    '--validation-split-percentage',
    '20',
    '--eval-steps',
    '4',
    '--per-device-train-batch-size',
    '2',
    '--sample-prompt',
    'Hi',
    ...common,
    '--output-dir',
    out,
    '--json',
  ],
  pretrain: (out) => [
    'pretrain',
    '--data',
    text,
    '--tokenizer',
    join(dir, 'tok'),
    '--n-layer',
    '1',
    '--n-embd',
    '16',
    '--n-head',
    '2',
    '--n-positions',
    '16',
    '--dropout',
    '0.1',
    '--per-device-train-batch-size',
    '4',
    '--validation-split-percentage',
    '10',
    '--eval-steps',
    '4',
    ...common,
    '--output-dir',
    out,
    '--json',
  ],
};

const checkpoints = (out: string) =>
  existsSync(out) ? readdirSync(out).filter((n) => /^checkpoint-\d+$/.test(n)) : [];

/** Every checkpoint-N folder is complete: all files there, JSON parseable, safetensors whole. */
async function expectCompleteCheckpoints(out: string, weights: string): Promise<void> {
  for (const c of checkpoints(out)) {
    const d = join(out, c);
    for (const f of ['trainer_state.json', 'rng_state.json', 'tokenizer_config.json']) {
      expect(existsSync(join(d, f)), `${c}/${f}`).toBe(true);
      if (f.endsWith('.json')) JSON.parse(readFileSync(join(d, f), 'utf8'));
    }
    for (const f of [weights, 'optimizer.safetensors']) {
      const st = await SafetensorsFile.open(join(d, f)); // checks the header against the file size
      expect(st.names().length, `${c}/${f}`).toBeGreaterThan(0);
    }
  }
}

/** Runs until `when` holds, then SIGKILLs; returns the process (it must not have ended by itself). */
async function killWhen(run: RunningGptft, when: () => boolean, what: string): Promise<void> {
  let ended = false;
  void run.done.then(() => {
    ended = true;
  });
  await waitFor(() => ended || when(), what);
  expect(ended, `the run ended before ${what}:\n${run.stderr}`).toBe(false);
  run.child.kill('SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
}

const log = (out: string) =>
  readFileSync(join(out, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

function expectSameLog(got: Record<string, number>[], want: Record<string, number>[]): void {
  expect(got.map((e) => Object.keys(e).sort())).toEqual(want.map((e) => Object.keys(e).sort()));
  got.forEach((e, i) => {
    for (const [k, v] of Object.entries(want[i]!)) {
      expect(
        rel(e[k]!, v),
        `log entry ${i} (step ${want[i]!.step}) ${k}: ${e[k]} vs ${v}`,
      ).toBeLessThanOrEqual(1e-6);
    }
  });
}

async function expectSameWeights(a: string, b: string): Promise<void> {
  const fa = await SafetensorsFile.open(a);
  const fb = await SafetensorsFile.open(b);
  expect(fb.names().sort()).toEqual(fa.names().sort());
  for (const n of fa.names()) {
    const x = fa.getFloat32(n);
    const y = fb.getFloat32(n);
    let worst = 0;
    for (let i = 0; i < x.length; i++)
      worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(Math.abs(x[i]!), 1e-6));
    expect(worst, n).toBeLessThanOrEqual(1e-6);
  }
}

const resumedStep = (stderr: string) => Number(/resuming from .*checkpoint-(\d+)/.exec(stderr)?.[1]);

describe('SIGKILL and --resume-from-checkpoint latest end where an uninterrupted run ends', () => {
  it.each([
    ['train --task causal-lm', 'model.safetensors', 'all'],
    ['train --task sequence-classification', 'model.safetensors', 'all'],
    ['sft (LoRA)', 'adapter_model.safetensors', 'once'],
    ['pretrain', 'model.safetensors', 'once'],
  ] as const)(
    '%s',
    async (name, weights, kills) => {
      const args = commands[name]!;
      const full = join(tempDir(), 'full');
      const whole = okJson(await gptft(args(full)));
      expect(whole.losses).toHaveLength(12);

      const cut = join(tempDir(), 'cut');
      // 1. Killed right after checkpoint-3 appears.
      await killWhen(startGptft(args(cut)), () => checkpoints(cut).includes('checkpoint-3'), 'checkpoint-3');
      await expectCompleteCheckpoints(cut, weights);
      if (kills === 'all') {
        // 2. Killed in the middle of writing the next checkpoint (model and optimizer written, state not).
        const marker = join(tempDir(), 'paused');
        const before = checkpoints(cut).sort();
        await killWhen(
          startGptft([...args(cut), '--resume-from-checkpoint', 'latest'], {
            nodeArgs: ['--import', pausePreload],
            env: { GPTFT_TEST_PAUSED_MARKER: marker },
          }),
          () => existsSync(marker),
          'a checkpoint save to start',
        );
        const half = readFileSync(marker, 'utf8').trim();
        expect(existsSync(half), 'the half-written checkpoint is on disk').toBe(true);
        expect(readdirSync(half)).toContain('optimizer.safetensors');
        expect(checkpoints(cut).sort()).toEqual(before); // not under a checkpoint-N name
        await expectCompleteCheckpoints(cut, weights);
        // 3. Killed between two checkpoints, once the step after the resumed one is logged.
        const r = startGptft([...args(cut), '--resume-from-checkpoint', 'latest']);
        await killWhen(
          r,
          () => {
            const k = resumedStep(r.stderr);
            return Number.isInteger(k) && r.stderr.includes(`step ${k + 1}/12 |`);
          },
          'a step between checkpoints',
        );
        expect(existsSync(half), 'the next run removed the half-written checkpoint').toBe(false);
        await expectCompleteCheckpoints(cut, weights);
      }
      // Resumed to the end.
      const last = okJson(await gptft([...args(cut), '--resume-from-checkpoint', 'latest']));
      expect(last.resumed_from).toMatch(/checkpoint-\d+$/);
      const k = Number(/checkpoint-(\d+)$/.exec(last.resumed_from)![1]);
      expect(last.losses).toHaveLength(12 - k);
      for (const [i, l] of (last.losses as number[]).entries()) {
        expect(rel(l, whole.losses[k + i])).toBeLessThanOrEqual(1e-6);
      }
      expectSameLog(log(cut), log(full));
      await expectSameWeights(join(cut, weights), join(full, weights));
      await expectCompleteCheckpoints(cut, weights);
      expect(readdirSync(cut).filter((n) => n.startsWith('.'))).toEqual([]);
      rmSync(full, { recursive: true, force: true });
      rmSync(cut, { recursive: true, force: true });
    },
    8 * SLOW_RUN_MS,
  );
});
