// matMul throughput on every installed backend: [256,768]·[768,3072] (a GPT-2 small MLP product
// for 256 tokens) plain, with transposeA and with transposeB, through tf.matMul (the backend's
// kernel as registered) and gptft's matMul; on wasm also with tfjs' own kernel, and gptft's kernel
// on XNNPACK and on gptft's `gemm`, for comparison.
// Each backend configuration runs in its own process (wasm's thread count is fixed per process).
//
//   pnpm bench:matmul                  all configurations
//   pnpm bench:matmul -- wasm:1 cpu    only these (name:threads)
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { matMul, memoryStats, type Tensor, tf, trackPeakMemory, useBackend } from '@gptft/backend';
import { forkBenchChild, median } from '@gptft/backend/bench';
import { loadBackendPackage } from './load-backends.js';

const M = 256;
const K = 768;
const N = 3072;
const FLOP = 2 * M * K * N;

interface Row {
  label: string;
  ms: number;
  gflops: number;
}

interface ChildResult {
  config: string;
  reason?: string;
  skipped?: string;
  rows: Row[];
  peakRss: number;
  wasmHeap?: number;
}

/** Median wall time of `f` (including reading the result back), over ≥ 3 runs and ≥ 2 s (≤ 25 runs). */
function time(f: () => Tensor): number {
  const warm = f();
  warm.dataSync();
  warm.dispose();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < 2000 && times.length < 25)) {
    const t0 = performance.now();
    const y = f();
    y.dataSync();
    times.push(performance.now() - t0);
    y.dispose();
    if (performance.now() - start > 20_000) break;
  }
  return median(times);
}

interface WasmPackage {
  uninstallFastMatMul(): void;
  installFastMatMul(): boolean;
  setFastMatMulEngine(engine: 'auto' | 'gemm' | 'xnnpack'): void;
}

/** @gptft/backend-wasm's extra exports, if it is the installed or sibling package. */
async function wasmPackage(): Promise<WasmPackage | undefined> {
  for (const spec of [
    '@gptft/backend-wasm',
    new URL('../../backend-wasm/dist/index.js', import.meta.url).href,
  ]) {
    try {
      return (await import(spec)) as WasmPackage;
    } catch {}
  }
  return undefined;
}

async function child(config: string): Promise<ChildResult> {
  const [name, threadsText] = config.split(':') as [string, string | undefined];
  const threads = threadsText ? Number(threadsText) : undefined;
  const missing = await loadBackendPackage(name);
  if (missing) return { config, skipped: missing, rows: [], peakRss: 0 };
  let active: Awaited<ReturnType<typeof useBackend>>;
  try {
    active = await useBackend(name, threads ? { threads } : {});
  } catch (error) {
    return { config, skipped: (error as Error).message.split('\n')[0], rows: [], peakRss: 0 };
  }
  const stopPeak = trackPeakMemory();
  const a = tf.randomNormal([M, K]);
  const b = tf.randomNormal([K, N]);
  const aT = tf.transpose(a);
  const bT = tf.transpose(b);
  const rows: Row[] = [];
  const measure = (label: string, f: () => Tensor) => {
    const ms = time(() => tf.tidy(f));
    rows.push({ label, ms, gflops: FLOP / ms / 1e6 });
  };
  const wasmPkg = name === 'wasm' ? await wasmPackage() : undefined;
  if (wasmPkg) {
    wasmPkg.uninstallFastMatMul();
    measure("tf.matMul, tfjs' kernel", () => tf.matMul(a, b));
    measure("tf.matMul transposeA, tfjs' kernel", () => tf.matMul(aT, b, true, false));
    measure("tf.matMul transposeB, tfjs' kernel", () => tf.matMul(a, bT, false, true));
    wasmPkg.installFastMatMul();
    for (const engine of ['xnnpack', 'gemm'] as const) {
      wasmPkg.setFastMatMulEngine(engine);
      measure(`tf.matMul, ${engine}`, () => tf.matMul(a, b));
      measure(`tf.matMul transposeA, ${engine}`, () => tf.matMul(aT, b, true, false));
      measure(`tf.matMul transposeB, ${engine}`, () => tf.matMul(a, bT, false, true));
    }
    wasmPkg.setFastMatMulEngine('auto');
  }
  measure('tf.matMul', () => tf.matMul(a, b));
  measure('tf.matMul transposeA', () => tf.matMul(aT, b, true, false));
  measure('tf.matMul transposeB', () => tf.matMul(a, bT, false, true));
  measure('gptft matMul', () => matMul(a, b));
  measure('gptft matMul transposeA', () => matMul(aT, b, true, false));
  measure('gptft matMul transposeB', () => matMul(a, bT, false, true));
  tf.dispose([a, b, aT, bT]);
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  return {
    config,
    reason: active.reason,
    rows,
    peakRss: Math.max(stopPeak(), memoryStats().peakRss),
    ...(heap ? { wasmHeap: heap } : {}),
  };
}

const MiB = 2 ** 20;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const result = await child(args[1]!);
    process.send!(result);
    return;
  }
  const cores = availableParallelism();
  const configs = args.length ? args : ['wasm:1', ...(cores > 1 ? [`wasm:${cores}`] : []), 'cpu'];
  console.log(
    `matMul [${M},${K}]·[${K},${N}] (${(FLOP / 1e9).toFixed(2)} GFLOP per product), median wall time`,
  );
  console.log(
    `machine: ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, tfjs ${tf.version_core}`,
  );
  for (const config of configs) {
    const r = await forkBenchChild<ChildResult>(fileURLToPath(import.meta.url), ['--child', config], config);
    console.log(`\n## ${config}${r.reason ? ` — ${r.reason}` : ''}`);
    if (r.skipped) {
      console.log(`skipped: ${r.skipped}`);
      continue;
    }
    for (const row of r.rows) {
      console.log(
        `${row.label.padEnd(38)} ${row.ms.toFixed(1).padStart(8)} ms ${row.gflops.toFixed(2).padStart(7)} GFLOP/s`,
      );
    }
    console.log(
      `peak RSS ${(r.peakRss / MiB).toFixed(0)} MiB${r.wasmHeap ? `, wasm heap ${(r.wasmHeap / MiB).toFixed(0)} MiB` : ''}`,
    );
  }
}

await main();
