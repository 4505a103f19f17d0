import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { forkBenchChild, median, peakGradientBytes, randomIds, runBenchChild } from '../src/bench/index.js';
import { tf } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('@gptft/backend/bench', () => {
  it('median: the middle value, the upper middle one of an even count; empty input throws', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(() => median([])).toThrow(/no values/);
  });

  it('randomIds: a batch × seq array below vocab, the same for the same seed', () => {
    const a = randomIds(2, 5, 50257, 7);
    expect(a).toHaveLength(2);
    expect(a.every((r) => r.length === 5 && r.every((x) => Number.isInteger(x) && x >= 0 && x < 50257))).toBe(
      true,
    );
    expect(randomIds(2, 5, 50257, 7)).toEqual(a);
    expect(randomIds(2, 5, 50257, 8)).not.toEqual(a);
    // the first value by hand: (7 · 1103515245 + 12345) mod 2^31 mod 50257
    expect(a[0]![0]).toBe(((7 * 1103515245 + 12345) % 2 ** 31) % 50257);
  });

  it('peakGradientBytes: at least the gradient of a [256, 256] variable, and no tensor left behind', async () => {
    const w = tf.variable(tf.ones([256, 256]));
    const before = tf.memory().numTensors;
    const peak = await peakGradientBytes(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
    expect(peak).toBeGreaterThanOrEqual(256 * 256 * 4);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('runBenchChild: the last JSON line of the child, or the exit status and last stderr line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gptft-bench-'));
    const ok = join(dir, 'ok.mjs');
    writeFileSync(
      ok,
      `console.log('{"n":1}'); console.log('noise'); console.log(JSON.stringify({ args: process.argv.slice(2) }));`,
    );
    expect(runBenchChild(ok, ['--child', 'x'])).toEqual({ ok: true, value: { args: ['--child', 'x'] } });
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, `console.error('out of memory'); process.exit(3);`);
    expect(runBenchChild(bad, [])).toEqual({ ok: false, error: 'exit 3: out of memory' });
  });

  it('forkBenchChild: resolves with the child message, rejects naming the label on a failed exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gptft-bench-'));
    const ok = join(dir, 'ok.mjs');
    writeFileSync(ok, `process.send({ args: process.argv.slice(2) });`);
    await expect(forkBenchChild(ok, ['a'], 'ok')).resolves.toEqual({ args: ['a'] });
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, `console.error('boom'); process.exit(2);`);
    await expect(forkBenchChild(bad, [], 'wasm:1')).rejects.toThrow(
      'benchmark process for wasm:1 exited with 2: boom',
    );
  });
});
