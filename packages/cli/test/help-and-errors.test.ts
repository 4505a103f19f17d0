import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gptft, tempDir } from './helpers.js';

const COMMANDS: [string[], string[]][] = [
  [['demo'], ['--model', '--max-steps', '--samples', '--output-dir', '--no-chat', '--backend']],
  [
    ['sft'],
    [
      '--model',
      '--data',
      '--no-assistant-only-loss',
      '--peft',
      '--lora-r',
      '--lora-target-modules',
      '--max-seq-length',
      '--learning-rate',
      '--gradient-accumulation-steps',
      '--config',
    ],
  ],
  [
    ['train'],
    [
      '--task',
      '--block-size',
      '--no-shuffle',
      '--learning-rate',
      '--weight-decay',
      '--lr-scheduler-type',
      '--warmup-steps',
      '--per-device-train-batch-size',
      '--max-grad-norm',
      '--output-dir',
      '--json',
    ],
  ],
  [['eval'], ['--task', '--model', '--adapter', '--data', '--block-size', '--json']],
  [['chat'], ['--model', '--adapter', '--system', '--max-new-tokens', '--temperature', '/reset', '/system']],
  [
    ['pretrain'],
    [
      '--n-layer',
      '--n-embd',
      '--n-head',
      '--n-positions',
      '--tokenizer',
      '--learning-rate',
      '--lr-scheduler-type',
      '--config',
      '--backend',
    ],
  ],
  [['generate'], ['--model', '--adapter', '--prompt', '--max-new-tokens', '--greedy', '--json']],
  [['merge'], ['--model', '--adapter', '--output-dir']],
  [['serve'], ['--model', '--adapter', '--host', '--port', '--api-key', '--max-tokens', '--timeout']],
  [
    ['tokenizer', 'train'],
    ['--vocab-size', '--special-tokens', '--output-dir', '--data'],
  ],
  [['tokenize'], ['--text', '--file', '--model', '--json']],
];

describe('--help', () => {
  it('lists every command', async () => {
    const r = await gptft(['--help']);
    expect(r.code).toBe(0);
    for (const [c] of COMMANDS) expect(r.stdout).toContain(c[0]);
  });
  for (const [cmd, flags] of COMMANDS) {
    it(`gptft ${cmd.join(' ')} --help documents its options`, async () => {
      const r = await gptft([...cmd, '--help']);
      expect(r.code).toBe(0);
      for (const f of flags) expect(r.stdout).toContain(f);
    });
  }
});

function expectOneLineError(stderr: string, pattern: RegExp): void {
  const all = stderr.trim().split('\n');
  const at = all.findIndex((l) => /error/.test(l));
  expect(at).toBeGreaterThanOrEqual(0);
  const lines = all.slice(at);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(lines.length).toBeLessThanOrEqual(3); // the error, a hint, the --verbose note
}

describe('errors are one line plus a hint', () => {
  it('unknown flag', async () => {
    const r = await gptft(['pretrain', '--n-layerz', '2']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /error: unknown option '--n-layerz'/);
    expect(r.stderr).toContain('Did you mean --n-layer?');
  });
  it('bad number', async () => {
    const r = await gptft(['pretrain', '--learning-rate', 'fast']);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /expected a number for --learning-rate, got "fast"/);
  });
  it('missing data file is named', async () => {
    const r = await gptft(['pretrain', '--data', 'no/such/corpus.txt', '--output-dir', tempDir()]);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /^gptft: error: data file not found: no\/such\/corpus\.txt$/);
    expect(r.stderr).toContain('hint:');
  });
  it('malformed JSONL names file and line', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"text": "fine"}\n{"text": "broken\n');
    const p = await gptft([
      'pretrain',
      '--data',
      file,
      '--output-dir',
      join(dir, 'out'),
      '--n-layer',
      '1',
      '--n-embd',
      '8',
      '--n-head',
      '2',
      '--n-positions',
      '8',
    ]);
    expect(p.code).toBe(1);
    expectOneLineError(p.stderr, /gptft: error: .*bad\.jsonl:2/);
  });
  it('--verbose shows the stack trace', async () => {
    const r = await gptft([
      'pretrain',
      '--data',
      'no/such/corpus.txt',
      '--output-dir',
      tempDir(),
      '--verbose',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
  it('bad config file value names file and key', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'run.yaml');
    writeFileSync(cfg, 'learning_rate: fast\n');
    const r = await gptft(['pretrain', '--config', cfg]);
    expect(r.code).toBe(1);
    expectOneLineError(r.stderr, /run\.yaml: learning-rate: expected a number, got "fast"/);
    writeFileSync(cfg, 'learning-rat: 0.1\n');
    const u = await gptft(['pretrain', '--config', cfg]);
    expectOneLineError(u.stderr, /run\.yaml: unknown option "learning-rat"/);
  });
});
