// Issue 16's defects of the command line, each through the CLI: same seed ⇒ same losses with
// dropout on, runs that would mix are refused, non-finite weights are never saved, numeric options
// are range-checked, chat fits long replies into the context and Ctrl-C never freezes it.
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { chat } from '../src/commands/chat.js';
import {
  slowGptft,
  okJson,
  repoRoot,
  SLOW_RUN_MS,
  tempDir,
  tinyDropoutModel,
  trainingData,
  waitFor,
} from './helpers.js';

const gptft = slowGptft;
const dir = tempDir();
let model: string;
let text: string;
let chatData: string;
let sentiment: { train: string; dev: string };

beforeAll(async () => {
  model = await tinyDropoutModel(dir);
  ({ text, chatData, sentiment } = trainingData(dir, { from: 2000, to: 6000, conversations: 8 }));
}, 2 * SLOW_RUN_MS);

const lmArgs = (out: string, seed: number) => [
  'train',
  '--model',
  model,
  '--data',
  text,
  '--block-size',
  '16',
  '--per-device-train-batch-size',
  '2',
  '--max-steps',
  '4',
  '--learning-rate',
  '1e-3',
  '--seed',
  String(seed),
  '--output-dir',
  out,
  '--json',
];
const clsArgs = (out: string, seed: number) => [
  'train',
  '--task',
  'sequence-classification',
  '--model',
  model,
  '--data',
  sentiment.train,
  '--max-steps',
  '4',
  '--per-device-train-batch-size',
  '4',
  '--learning-rate',
  '1e-3',
  '--seed',
  String(seed),
  '--output-dir',
  out,
  '--json',
];
const sftArgs = (out: string, seed: number) => [
  'sft',
  '--model',
  model,
  '--data',
  chatData,
  '--max-seq-length',
  '64',
  '--validation-split-percentage',
  '0',
  '--per-device-train-batch-size',
  '2',
  '--max-steps',
  '3',
  '--sample-prompt',
  'Hi',
  '--seed',
  String(seed),
  '--output-dir',
  out,
  '--json',
];
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const checkpoints = (d: string) =>
  readdirSync(d)
    .filter((n) => /^checkpoint-\d+$/.test(n))
    .sort();

describe('the same --seed gives the same losses with dropout on', () => {
  it.each([
    ['train --task causal-lm', lmArgs],
    ['train --task sequence-classification', clsArgs],
    ['sft', sftArgs],
  ])(
    '%s',
    async (_name, args) => {
      const a = okJson(await gptft(args(join(tempDir(), 'a'), 3)));
      const b = okJson(await gptft(args(join(tempDir(), 'b'), 3)));
      const c = okJson(await gptft(args(join(tempDir(), 'c'), 4)));
      expect(a.losses.length).toBeGreaterThan(2);
      expect(b.losses).toEqual(a.losses);
      // Control: the seed does matter (dropout masks, data order, new weights).
      expect(c.losses).not.toEqual(a.losses);
    },
    3 * SLOW_RUN_MS,
  );
});

describe('an output folder holding checkpoints of another run', () => {
  it(
    'is refused unless --overwrite-output-dir, which starts over; rotation keeps the new run’s checkpoints',
    async () => {
      const out = join(tempDir(), 'run');
      const first = [...lmArgs(out, 1), '--save-steps', '2', '--save-total-limit', '1'];
      okJson(await gptft(first));
      expect(checkpoints(out)).toEqual(['checkpoint-4']);
      const second = [
        ...lmArgs(out, 1),
        ...['--max-steps', '2', '--save-steps', '1', '--save-total-limit', '1', '--logging-steps', '1'],
      ];
      const refused = await gptft(second);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/already holds checkpoints of a run \(checkpoint-4\)/);
      expect(refused.stderr).toMatch(/--resume-from-checkpoint latest.*--overwrite-output-dir/);
      expect(checkpoints(out)).toEqual(['checkpoint-4']);
      const fresh = okJson(await gptft([...second, '--overwrite-output-dir']));
      expect(fresh.losses).toHaveLength(2);
      expect(checkpoints(out)).toEqual(['checkpoint-2']);
      const log = readFileSync(join(out, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(log.map((e: { step: number }) => e.step)).toEqual([1, 2]);
    },
    3 * SLOW_RUN_MS,
  );

  it(
    '--resume-from-checkpoint latest needs a checkpoint, and a folder it names must be one',
    async () => {
      const out = join(tempDir(), 'none');
      const r = await gptft([...lmArgs(out, 1), '--resume-from-checkpoint']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--resume-from-checkpoint latest: .* holds no checkpoint-N folder/);
      const r2 = await gptft([...lmArgs(out, 1), '--resume-from-checkpoint', dir]);
      expect(r2.code).toBe(1);
      expect(r2.stderr).toMatch(/not a checkpoint folder \(no trainer_state.json\)/);
    },
    3 * SLOW_RUN_MS,
  );
});

describe('non-finite weights', () => {
  it(
    'are never written over the model by the final save: exit 1, the folder keeps its weights',
    async () => {
      const copy = join(tempDir(), 'model');
      cpSync(model, copy, { recursive: true });
      const before = sha256(join(copy, 'model.safetensors'));
      // lr 1e39 is Infinity in float32: step 1's loss and gradients are finite, the weights after it are not.
      const args = lmArgs(copy, 1).map((a) => (a === model ? copy : a));
      const r = await gptft([
        ...args,
        '--max-steps',
        '1',
        '--learning-rate',
        '1e39',
        '--save-strategy',
        'no',
      ]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        /gptft: error: the trained model has non-finite weights .* nothing was written/,
      );
      expect(r.stdout).toBe('');
      expect(sha256(join(copy, 'model.safetensors'))).toBe(before);
    },
    3 * SLOW_RUN_MS,
  );
});

describe('numeric options are checked against their range', () => {
  it.each([
    [['generate', '--max-new-tokens', '-1'], '--max-new-tokens must be ≥ 1, got -1'],
    [['chat', '--top-p', '5'], '--top-p must be in (0, 1], got 5'],
    [['generate', '--temperature', '0'], '--temperature must be > 0, got 0'],
    [['train', '--learning-rate', '-1e-3'], '--learning-rate must be ≥ 0, got -1e-3'],
    [['train', '--max-steps', '0'], '--max-steps must be -1 or ≥ 1, got 0'],
    [['sft', '--warmup-ratio', '2'], '--warmup-ratio must be in [0, 1], got 2'],
    [['pretrain', '--dropout', '1'], '--dropout must be in [0, 1), got 1'],
    [['train', '--seed', '-5'], '--seed must be in [0, 4294967295], got -5'],
  ])(
    'gptft %j',
    async (args, message) => {
      const r = await gptft(args);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')[0]).toContain(message); // one line first, then the help hint
    },
    SLOW_RUN_MS,
  );

  it(
    'in a --config file too, naming the file and the option',
    async () => {
      const cfg = join(tempDir(), 'gen.json');
      writeFileSync(cfg, JSON.stringify({ top_p: 5 }));
      const r = await gptft(['generate', '--config', cfg, '--prompt', 'Hi']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${cfg}: top-p: expected in (0, 1], got 5`);
    },
    SLOW_RUN_MS,
  );
});

describe('chat with a --max-new-tokens larger than the context', () => {
  const tinyBase = join(repoRoot, 'models/tiny-base'); // 256 positions

  it(
    'answers each message from its own prompt (never cut to one token) and says what does not fit',
    async () => {
      const long = `${'the queen said that '.repeat(80)}!`;
      const input = `Tell me about the sea.\n/reset\nWhat did the queen say?\n/reset\n${long}\nAnd the king?\n`;
      const r = await gptft(['chat', '--model', tinyBase, '--greedy', '--max-new-tokens', '400', '--json'], {
        input,
      });
      const { turns } = okJson(r) as { turns: { user: string; assistant: string }[] };
      expect(r.stderr).toMatch(/--max-new-tokens 400 does not fit the model's context \(256 tokens/);
      // The long message is not sent (and not cut): the next one is answered.
      expect(turns.map((t) => t.user)).toEqual([
        'Tell me about the sea.',
        'What did the queen say?',
        'And the king?',
      ]);
      expect(r.stderr).toMatch(
        /your message was not sent: it is too long for this model — .* takes \d+ tokens, the context holds 256/,
      );
      // Cut to one token (the old behaviour), every prompt ends alike and so did every reply.
      expect(new Set(turns.map((t) => t.assistant)).size).toBe(3);
      // The same reply as with a budget that fits, continued.
      const short = okJson(
        await gptft(['chat', '--model', tinyBase, '--greedy', '--max-new-tokens', '20', '--json'], {
          input: 'Tell me about the sea.\n',
        }),
      );
      expect(turns[0]!.assistant.startsWith(short.turns[0].assistant)).toBe(true);
    },
    2 * SLOW_RUN_MS,
  );
});

/** A stream that says it is a terminal, with raw mode, as `process.stdin` on a TTY. */
function fakeTty(): PassThrough & { isTTY: true; rawModes: boolean[]; setRawMode(on: boolean): void } {
  const s = new PassThrough() as PassThrough & {
    isTTY: true;
    rawModes: boolean[];
    setRawMode(on: boolean): void;
  };
  s.isTTY = true;
  s.rawModes = [];
  s.setRawMode = (on: boolean) => {
    s.rawModes.push(on);
  };
  return s;
}

describe('chat on a terminal', () => {
  it(
    'Ctrl-C stops the reply and the next message is answered; the terminal leaves raw mode at the end',
    async () => {
      const input = fakeTty();
      const output = fakeTty();
      let shown = '';
      output.on('data', (d) => {
        shown += d;
      });
      const done = chat(
        { model: join(repoRoot, 'models/tiny-base'), greedy: true, maxNewTokens: 200, backend: 'wasm' },
        { input, output },
      );
      await waitFor(() => shown.includes('you> '), 'the prompt', 300_000);
      input.write('Tell me about the sea.\r');
      await waitFor(() => /assistant> \S/.test(shown), 'the reply to start', 300_000);
      input.write('\x03'); // Ctrl-C
      await waitFor(() => shown.includes('(interrupted)'), 'the reply to stop', 300_000);
      input.write('Hello\r');
      await waitFor(
        () => (shown.match(/assistant> /g) ?? []).length === 2 && /\n[^\n]*you> [^\n]*$/.test(shown),
        'the second reply',
        300_000,
      );
      input.write('/exit\r');
      await done;
      expect(input.rawModes.at(-1)).toBe(false);
    },
    2 * SLOW_RUN_MS,
  );
});
