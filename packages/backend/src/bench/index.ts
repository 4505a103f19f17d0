/**
 * `@gptft/backend/bench` — small helpers the gptft benchmarks share, so that every package's
 * `bench/*.ts` measures the same way: medians of repeated timings, the same pseudo-random token
 * batches, tfjs' peak bytes of one gradient computation, and one process per configuration (a
 * configuration that exhausts memory does not end the others). Peak RSS comes from
 * `trackPeakMemory` in `@gptft/backend`.
 */
import { fork, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
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

/** One row of a gptft-vs-PyTorch comparison (a row of issue 12's table). */
export interface BenchRow {
  /** What was measured, e.g. `tiny: 2×128, batch 4×128, full, AdamW on device`. */
  row: string;
  /** Unit of `gptft` and `torch`: a rate (`tok/s`, higher is better) or a time (`ms`, lower is better). */
  unit: 'tok/s' | 'ms';
  gptft?: number;
  torch?: number;
  gptftError?: string;
  torchError?: string;
  torchThreads?: number;
  /** CPU time (user + system) per step or call, where measured. */
  gptftCpuMs?: number;
  torchCpuMs?: number;
  peakRssMiB?: number;
  torchPeakRssMiB?: number;
  /** tfjs' peak tensor bytes (engine accounting), MiB. */
  tensorPeakMiB?: number;
  /** Size of the wasm heap (it only grows: its high-water mark), MiB. */
  wasmHeapMiB?: number;
  /** 1-minute load average while measured. */
  load?: number;
}

/** gptft's speed as a fraction of PyTorch's (> 1: gptft faster), by wall time and by CPU time. */
export function benchRatios(r: BenchRow): { wall?: number; cpu?: number } {
  const wall = r.gptft && r.torch ? (r.unit === 'ms' ? r.torch / r.gptft : r.gptft / r.torch) : undefined;
  const cpu = r.gptftCpuMs && r.torchCpuMs ? r.torchCpuMs / r.gptftCpuMs : undefined;
  return { ...(wall !== undefined && { wall }), ...(cpu !== undefined && { cpu }) };
}

/** Prints `rows` as one markdown table (gptft, PyTorch, ratios, memory, load), under `title`. */
export function printBenchRows(title: string, rows: readonly BenchRow[]): void {
  const f = (x: number | undefined, d = 1) => (x === undefined ? '–' : x.toFixed(d));
  console.log(
    `\n${title}\n\n| row | gptft | PyTorch | ratio | CPU-time ratio | peak RSS MiB (gptft / PyTorch) | tensor peak MiB | wasm heap MiB | load |\n|---|---|---|---|---|---|---|---|---|`,
  );
  for (const r of rows) {
    const { wall, cpu } = benchRatios(r);
    const ours = r.gptftError ? `fails: ${r.gptftError}` : `${f(r.gptft)} ${r.unit}`;
    const theirs = r.torchError
      ? `fails: ${r.torchError}`
      : r.torch === undefined
        ? '–'
        : `${f(r.torch)} ${r.unit}${r.torchThreads ? ` (${r.torchThreads} thr.)` : ''}`;
    console.log(
      `| ${r.row} | ${ours} | ${theirs} | ${f(wall, 2)} | ${f(cpu, 2)} | ${f(r.peakRssMiB, 0)} / ${f(r.torchPeakRssMiB, 0)} | ${f(r.tensorPeakMiB, 0)} | ${f(r.wasmHeapMiB, 0)} | ${f(r.load, 1)} |`,
    );
  }
}

/**
 * Appends `rows` as JSON lines to the file named by `GPTFT_BENCH_RECORD` (the repository's
 * `pnpm bench` sets it and prints every package's rows in one table at the end); no-op otherwise.
 */
export function recordBenchRows(rows: readonly BenchRow[]): void {
  const file = process.env.GPTFT_BENCH_RECORD;
  if (!file) return;
  appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}
