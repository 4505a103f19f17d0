/**
 * `@gptft/backend/bench` — small helpers the gptft benchmarks share, so that every package's
 * `bench/*.ts` measures the same way: medians of repeated timings, the same pseudo-random token
 * batches, tfjs' peak bytes of one gradient computation, and one process per configuration (a
 * configuration that exhausts memory does not end the others). Peak RSS comes from
 * `trackPeakMemory` in `@gptft/backend`.
 */
import { fork, spawnSync } from 'node:child_process';
import { tf } from '../tf.js';

/** The median of `xs` (of an even count, the upper of the middle two). Throws when `xs` is empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: no values');
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/**
 * A `batch × seq` array of token ids below `vocab` from a fixed linear congruential generator
 * seeded with `seed`: the same batch in every run and every bench that asks for it.
 */
export function randomIds(batch: number, seq: number, vocab: number, seed: number): number[][] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % vocab;
  };
  return Array.from({ length: batch }, () => Array.from({ length: seq }, next));
}

/**
 * tfjs' peak bytes (`tf.profile`'s high-water mark) while computing the gradients of `loss` with
 * respect to `vars` once; everything it creates is disposed.
 */
export async function peakGradientBytes(loss: () => tf.Scalar, vars: tf.Variable[]): Promise<number> {
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(loss, vars);
    value.dispose();
    tf.dispose(Object.values(grads));
  });
  return profile.peakBytes;
}

/** What `runBenchChild` returns: the child's last JSON line, or why there was none. */
export type BenchChildResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Runs `script` (a TypeScript bench, through tsx) in a fresh Node process with `args` and returns
 * the last line of its stdout that starts with `{`, parsed as JSON. A child that printed none
 * (crashed, killed, out of memory) gives `{ ok: false, error: 'exit <code or signal>: <last
 * stderr line>' }`.
 */
export function runBenchChild<T>(script: string, args: readonly string[]): BenchChildResult<T> {
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = child.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (line) return { ok: true, value: JSON.parse(line) as T };
  return {
    ok: false,
    error: `exit ${child.status ?? child.signal}: ${child.stderr.trim().split('\n').at(-1)}`,
  };
}

/**
 * Forks `script` (with this process' Node flags, so a tsx-run bench forks under tsx) with `args`
 * and resolves with the first message the child sends (`process.send`); rejects, naming `label`
 * and quoting its stderr, when it exits with a non-zero code. The child's stdout is inherited.
 */
export function forkBenchChild<T>(script: string, args: readonly string[], label: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = fork(script, [...args], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    p.stderr?.on('data', (d) => {
      stderr += d;
    });
    p.on('message', (m) => resolve(m as T));
    p.on('exit', (code) => {
      if (code !== 0)
        reject(new Error(`benchmark process for ${label} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
