// Tokens/s of a GPT-2-shaped training step (forward + backward + SGD update) on each backend
// configuration: the "tiny" shape of /work/shared/PERF-NOTES.md — 2 layers, 128 wide, 4 heads,
// vocabulary 50257 (tied LM head), sequence 128, batch 4 — written directly on tf ops, so it
// measures the backend and gptft's matMul/embedding, not any model package.
//
//   pnpm bench:train                   the default configurations
//   pnpm bench:train -- wasm:2:gptft   only these (backend:threads:matmul, matmul = gptft|tfjs)
//   GPTFT_BENCH_STEPS=n                 steps to time (default 4); GPTFT_BENCH_PROFILE=1: time per kernel
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  embedding,
  matMul,
  memoryStats,
  type Tensor,
  tf,
  trackPeakMemory,
  useBackend,
  type Variable,
} from '@gptft/backend';
import { forkBenchChild, median } from '@gptft/backend/bench';
import { loadBackendPackage } from './load-backends.js';

const V = 50257;
const C = 128;
const H = 4;
const LAYERS = 2;
const T = 128;
const B = 4;

type MatMulFn = (a: Tensor, b: Tensor, tA?: boolean, tB?: boolean) => Tensor;

function linear(mm: MatMulFn, x: Tensor, w: Tensor, b: Tensor): Tensor {
  // 2-D products, so tfjs' own gradient (which cannot broadcast) works for the baseline too.
  const x2 = tf.reshape(x, [-1, x.shape[x.rank - 1]!]);
  const y = tf.add(mm(x2, w), b);
  return tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]!]);
}

function layerNorm(x: Tensor, g: Tensor, b: Tensor): Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-5))), g), b);
}

function geluNew(x: Tensor): Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

interface Params {
  wte: Variable;
  wpe: Variable;
  blocks: Record<string, Variable>[];
  lnF: [Variable, Variable];
}

function init(): Params {
  const v = (shape: number[], std = 0.02) => tf.variable(tf.mul(tf.randomNormal(shape), std));
  const ones = (n: number) => tf.variable(tf.ones([n]));
  const zeros = (n: number) => tf.variable(tf.zeros([n]));
  return {
    wte: v([V, C]),
    wpe: v([T, C], 0.01),
    blocks: Array.from({ length: LAYERS }, () => ({
      ln1g: ones(C),
      ln1b: zeros(C),
      attnW: v([C, 3 * C]),
      attnB: zeros(3 * C),
      projW: v([C, C]),
      projB: zeros(C),
      ln2g: ones(C),
      ln2b: zeros(C),
      fcW: v([C, 4 * C]),
      fcB: zeros(4 * C),
      outW: v([4 * C, C]),
      outB: zeros(C),
    })),
    lnF: [ones(C), zeros(C)],
  };
}

function loss(p: Params, mm: MatMulFn, ids: Tensor, labels: Tensor, mask: Tensor): tf.Scalar {
  const d = C / H;
  let x = tf.add(embedding(p.wte, ids), p.wpe);
  for (const blk of p.blocks) {
    const h = layerNorm(x, blk.ln1g!, blk.ln1b!);
    const qkv = linear(mm, h, blk.attnW!, blk.attnB!);
    const [q, k, v] = tf
      .split(qkv, 3, -1)
      .map((t) => tf.transpose(tf.reshape(t, [B, T, H, d]), [0, 2, 1, 3]));
    const att = tf.softmax(tf.add(tf.mul(mm(q!, k!, false, true), 1 / Math.sqrt(d)), mask));
    const y = tf.reshape(tf.transpose(mm(att, v!), [0, 2, 1, 3]), [B, T, C]);
    x = tf.add(x, linear(mm, y, blk.projW!, blk.projB!));
    const h2 = layerNorm(x, blk.ln2g!, blk.ln2b!);
    x = tf.add(x, linear(mm, geluNew(linear(mm, h2, blk.fcW!, blk.fcB!)), blk.outW!, blk.outB!));
  }
  const hF = tf.reshape(layerNorm(x, p.lnF[0], p.lnF[1]), [B * T, C]);
  const logits = mm(hF, p.wte, false, true);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, V), tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

interface ChildResult {
  config: string;
  reason?: string;
  skipped?: string;
  tokensPerSecond?: number;
  stepMs?: number[];
  loss?: number[];
  peakRss?: number;
  wasmHeap?: number;
  leaked?: number;
}

async function child(config: string, steps: number): Promise<ChildResult> {
  const [name, threadsText, which] = config.split(':') as [string, string | undefined, string | undefined];
  const missing = await loadBackendPackage(name);
  if (missing) return { config, skipped: missing };
  const threads = threadsText ? Number(threadsText) : undefined;
  const active = await useBackend(name, { ...(threads ? { threads } : {}), fastMatMul: which !== 'tfjs' });
  const mm: MatMulFn = which === 'tfjs' ? (a, b, tA, tB) => tf.matMul(a, b, tA, tB) : matMul;
  const stopPeak = trackPeakMemory();
  tf.randomNormal([1]).dispose();
  const p = init();
  const vars = [p.wte, p.wpe, ...p.blocks.flatMap((b) => Object.values(b)), ...p.lnF];
  const ids = tf.tensor2d(
    Array.from({ length: B * T }, (_, i) => (i * 7919) % V),
    [B, T],
    'int32',
  );
  const labels = tf.tensor1d(
    Array.from({ length: B * T }, (_, i) => (i * 104729 + 13) % V),
    'int32',
  );
  const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9));
  const before = tf.memory().numTensors;
  const stepMs: number[] = [];
  const losses: number[] = [];
  for (let s = 0; s <= steps; s++) {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => loss(p, mm, ids, labels, mask), vars);
    tf.tidy(() => {
      for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
    });
    losses.push((await value.data())[0]!);
    tf.dispose([value, ...Object.values(grads)]);
    if (s > 0) stepMs.push(performance.now() - t0); // step 0 warms up
  }
  const leaked = tf.memory().numTensors - before;
  if (process.env.GPTFT_BENCH_PROFILE) {
    // Where a step's time goes, by kernel (tf.profile; kernel times are synchronous on CPU backends).
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => loss(p, mm, ids, labels, mask), vars);
      return [value, ...Object.values(grads)];
    });
    tf.dispose(profile.result as Tensor[]);
    const byKernel = new Map<string, number>();
    for (const k of profile.kernels)
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log(`${config} kernels: ${top.map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(', ')}`);
  }
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  return {
    config,
    reason: active.reason,
    tokensPerSecond: (B * T) / (median(stepMs) / 1000),
    stepMs,
    loss: losses,
    peakRss: Math.max(stopPeak(), memoryStats().peakRss),
    leaked,
    ...(heap ? { wasmHeap: heap } : {}),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    process.send!(await child(args[1]!, Number(args[2])));
    return;
  }
  const cores = availableParallelism();
  const steps = Number(process.env.GPTFT_BENCH_STEPS ?? 4);
  const configs = args.length
    ? args
    : ['wasm:1:tfjs', 'wasm:1:gptft', ...(cores > 1 ? [`wasm:${cores}:gptft`] : [])];
  console.log(
    `GPT-2-shaped training step: ${LAYERS} layers, width ${C}, ${H} heads, vocab ${V}, batch ${B} × ${T} tokens; ` +
      `median of ${steps} steps after one warm-up`,
  );
  console.log(`machine: ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
  for (const config of configs) {
    const r = await forkBenchChild<ChildResult>(
      fileURLToPath(import.meta.url),
      ['--child', config, String(steps)],
      config,
    );
    if (r.skipped) {
      console.log(`${config}: skipped — ${r.skipped}`);
      continue;
    }
    console.log(
      `${config.padEnd(16)} ${r.tokensPerSecond!.toFixed(0).padStart(6)} tokens/s  ` +
        `steps ${r.stepMs!.map((m) => m.toFixed(0)).join('/')} ms  loss ${r.loss![0]!.toFixed(4)}→${r.loss!.at(-1)!.toFixed(4)}  ` +
        `peak RSS ${(r.peakRss! / 2 ** 20).toFixed(0)} MiB${r.wasmHeap ? `, wasm heap ${(r.wasmHeap / 2 ** 20).toFixed(0)} MiB` : ''}  ` +
        `leaked tensors ${r.leaked}  (${r.reason})`,
    );
  }
}

await main();
