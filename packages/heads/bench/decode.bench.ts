/**
 * Decode speed of `generate` with the KV cache, GPT-2-small shape (12 layers, 768 wide, 12 heads,
 * vocab 50257, 1024 positions; random init from the gpt2 config — no weights offline), greedy,
 * batch 1 and batch 8, on the wasm backend; then the same in PyTorch 1.13
 * (`bench/reference_decode.py`, `/usr/bin/python3`, 1 thread — PyTorch's best for decoding here),
 * and the rows of issue 12: decode tokens/s at batch 1 and 8, prefill of the prompt + first token.
 *
 * Prints tokens/s end to end (prompt prefill + decoding), tokens/s of decoding alone (the time of a
 * 1-token run, i.e. prefill + first token, subtracted), CPU ms per step, and peak memory: the
 * process' peak RSS (kernel maxRSS) and tfjs' peak bytes, sampled every step. Medians over
 * GPTFT_BENCH_REPS runs.
 *
 *   pnpm --filter @gptft/heads bench          (GPTFT_BENCH_NEW=64 GPTFT_BENCH_PROMPT=16 GPTFT_BENCH_REPS=3)
 *   GPTFT_BENCH_TORCH_THREADS=n               PyTorch threads (default 1)
 *   GPTFT_BENCH_PROFILE=1                     also print where a prefill and a decode step spend time
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { type BenchRow, median, printBenchRows, randomIds, recordBenchRows } from '@gptft/backend/bench';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { GPT2LMHeadModel, generate, type LogitsProcessor } from '../src/index.js';

const backend = await useBackend('wasm');
const NEW = Number(process.env.GPTFT_BENCH_NEW ?? 64);
const PROMPT = Number(process.env.GPTFT_BENCH_PROMPT ?? 16);
const REPS = Number(process.env.GPTFT_BENCH_REPS ?? 3);
const MiB = (b: number) => b / 2 ** 20;

let tfPeak = 0;
const sampleMemory: LogitsProcessor = {
  process(_ids, scores) {
    tfPeak = Math.max(tfPeak, tf.memory().numBytes);
    return scores;
  },
};

const config = new GPT2Config({ nLayer: 12, nEmbd: 768, nHead: 12, vocabSize: 50257, nPositions: 1024 });
const model = new GPT2LMHeadModel(new GPT2Model(config, { seed: 1 })).eval();
console.log(
  `backend ${backend.name} (${backend.reason}); GPT-2 small shape, random init, ` +
    `${model.transformer.numParameters().toLocaleString('en-US')} parameters; prompt ${PROMPT}, ${NEW} new tokens, greedy, KV cache`,
);

interface Ours {
  batch: number;
  decodeTokensPerSecond: number;
  prefillMs: number;
  decodeCpuMsPerStep: number;
  prefillCpuMs: number;
  peakRssMiB: number;
  tensorPeakMiB: number;
  load: number;
}

const ours: Ours[] = [];
const table: string[][] = [];
for (const batch of [1, 8]) {
  const load = loadavg()[0]!;
  const ids = randomIds(batch, PROMPT, config.vocabSize, 7 + batch);
  const opts = { eosTokenId: null, logitsProcessors: [sampleMemory] };
  const time = (n: number) => {
    const t0 = performance.now();
    generate(model, ids, { ...opts, maxNewTokens: n });
    return (performance.now() - t0) / 1000;
  };
  const cpuOf = (n: number) => {
    const c0 = process.cpuUsage();
    generate(model, ids, { ...opts, maxNewTokens: n });
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  // Warm-up: kernel set-up, weight packing, and V8's tier-up of the wasm code (functions start on
  // its baseline compiler and are recompiled, in the background, once they are hot).
  time(2);
  time(16);
  tfPeak = 0;
  const prefill = median(Array.from({ length: REPS }, () => time(1)));
  const full = median(Array.from({ length: REPS }, () => time(NEW)));
  const cpuFull = cpuOf(NEW);
  const cpuPrefill = cpuOf(1);
  const rss = process.resourceUsage().maxRSS * 1024;
  const decode = (batch * (NEW - 1)) / (full - prefill);
  ours.push({
    batch,
    decodeTokensPerSecond: decode,
    prefillMs: prefill * 1000,
    decodeCpuMsPerStep: (cpuFull - cpuPrefill) / (NEW - 1),
    prefillCpuMs: cpuPrefill,
    peakRssMiB: MiB(rss),
    tensorPeakMiB: MiB(tfPeak),
    load: Math.max(load, loadavg()[0]!),
  });
  const row = [
    `batch ${batch}`,
    `${((batch * NEW) / full).toFixed(1)} tok/s`,
    `${decode.toFixed(1)} tok/s`,
    `${((1000 * (full - prefill)) / (NEW - 1)).toFixed(1)} ms`,
    `${(prefill * 1000).toFixed(0)} ms`,
    `${MiB(rss).toFixed(0)} MB`,
    `${MiB(tfPeak).toFixed(0)} MB`,
  ];
  table.push(row);
  console.log(row.join('  '));
}

if (process.env.GPTFT_BENCH_PROFILE) {
  // Where a prefill (batch 1, the prompt) and one decode step spend their time, by kernel.
  const kernels = new Set(tf.getKernelsForBackend(tf.getBackend()).map((k) => k.kernelName));
  const show = async (label: string, f: () => tf.Tensor[]) => {
    const p = await tf.profile(f);
    tf.dispose(p.result as tf.Tensor[]);
    const by = new Map<string, number>();
    for (const k of p.kernels)
      if (kernels.has(k.name)) by.set(k.name, (by.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    const top = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    console.log(
      `${label}: kernels ${total.toFixed(0)} ms: ${top.map(([n, t]) => `${n} ${t.toFixed(1)}`).join(', ')}`,
    );
  };
  const ids = randomIds(1, PROMPT, config.vocabSize, 8);
  const pre = model.forward({ inputIds: ids, useCache: true, logitsToKeep: 1 });
  await show('prefill', () => {
    const o = model.forward({ inputIds: ids, useCache: true, logitsToKeep: 1 });
    return [o.logits, ...o.pastKeyValues!.flatMap((kv) => [kv.key, kv.value])];
  });
  await show('decode step', () => {
    const o = model.forward({
      inputIds: [[5]],
      pastKeyValues: pre.pastKeyValues!,
      useCache: true,
      logitsToKeep: 1,
    });
    return [o.logits, ...o.pastKeyValues!.flatMap((kv) => [kv.key, kv.value])];
  });
  tf.dispose([pre.logits, ...pre.pastKeyValues!.flatMap((kv) => [kv.key, kv.value])]);
}
model.dispose();
console.log(
  '\n| batch | tokens/s (end to end) | tokens/s (decode only) | ms per step | prefill + 1st token | peak RSS | tfjs peak |\n|---|---|---|---|---|---|---|',
);
for (const r of table) console.log(`| ${r.join(' | ')} |`);

interface Theirs {
  threads: number;
  results: (Omit<Ours, 'tensorPeakMiB' | 'load'> & { batch: number })[];
}
let torch: Theirs | undefined;
let torchError: string | undefined;
if (existsSync('/usr/bin/python3')) {
  const script = fileURLToPath(new URL('./reference_decode.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script], {
    encoding: 'utf8',
    env: { ...process.env, GPTFT_BENCH_THREADS: process.env.GPTFT_BENCH_TORCH_THREADS ?? '1' },
  });
  if (r.status === 0) {
    console.log(r.stdout.trim().split('\n').slice(0, -1).join('\n'));
    torch = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Theirs;
  } else torchError = (r.stderr || r.stdout).trim().split('\n').at(-1);
}
const rows: BenchRow[] = [];
for (const o of ours) {
  const t = torch?.results.find((x) => x.batch === o.batch);
  const common = {
    ...(torchError ? { torchError } : {}),
    torchThreads: torch?.threads,
    peakRssMiB: o.peakRssMiB,
    torchPeakRssMiB: t?.peakRssMiB,
    tensorPeakMiB: o.tensorPeakMiB,
    load: o.load,
  };
  rows.push({
    row: `decode with KV cache, GPT-2 small, batch ${o.batch}`,
    unit: 'tok/s',
    gptft: o.decodeTokensPerSecond,
    ...(t ? { torch: t.decodeTokensPerSecond } : {}),
    gptftCpuMs: o.decodeCpuMsPerStep,
    torchCpuMs: t?.decodeCpuMsPerStep,
    ...common,
  });
  if (o.batch === 1) {
    rows.push({
      row: `prefill of ${PROMPT} tokens + first token, batch 1`,
      unit: 'ms',
      gptft: o.prefillMs,
      ...(t ? { torch: t.prefillMs } : {}),
      gptftCpuMs: o.prefillCpuMs,
      torchCpuMs: t?.prefillCpuMs,
      ...common,
    });
  }
}
printBenchRows(`decoding, ${NEW} new tokens, prompt ${PROMPT}`, rows);
recordBenchRows(rows);
