/**
 * Training-step throughput through `Trainer.train` (forward + backward + clipping + AdamW) on the
 * embedded wasm backend, beside the same step in PyTorch 1.13 (`bench/reference_train_step.py`,
 * `/usr/bin/python3`) run right after it on the same machine, for the training rows of issue 12:
 *
 * - tiny:     2 layers × 128, 4 heads, vocabulary 50257 (tied LM head), batch 4 × 128, AdamW on device;
 * - small:    GPT-2 small (12 × 768, 124M parameters), batch 1 × 128, gradient checkpointing, full
 *             fine-tuning, AdamW moments in host memory (`optimizerState: 'host'`);
 * - small-b4: the same at batch 4 × 128;
 * - lora:     GPT-2 small, LoRA r = 16 (alpha 32) on c_attn, c_proj, c_fc (PEFT's target names: both
 *             c_proj), batch 4 × 128, gradient checkpointing (without it the forward pass' tensors
 *             exceed the ~4 GiB wasm heap at this batch), AdamW on device;
 * - small-device: `small` with the moments on the wasm heap (shows where the heap runs out).
 *
 * The loss is the LM head's (`GPT2LMHeadModel.forward({ labels })`), what `gptft train` runs. Each
 * measurement runs in its own process. Printed per row: tokens/s (median step), CPU ms per step
 * (user + system: what a busy machine disturbs least), peak RSS, tfjs' peak tensor bytes during one
 * step and the wasm heap's size (its high-water mark), and the ratios to PyTorch.
 *
 *   pnpm bench                          tiny small small-b4 lora
 *   pnpm bench -- tiny lora             these rows
 *   GPTFT_BENCH_STEPS=n                 timed steps per row (default 3; the first step is not timed)
 *   GPTFT_BENCH_TORCH_THREADS=n         PyTorch threads (default 2)
 *   GPTFT_WASM_THREADS=n|auto|off       wasm threads (default: the backend's)
 *   GPTFT_BENCH_PROFILE=1               also print where one step's time goes, by kernel
 *   GPTFT_BENCH_TORCH=0                 skip PyTorch
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@gptft/backend';
import { type BenchRow, printBenchRows, recordBenchRows, runBenchChild } from '@gptft/backend/bench';

const SHAPES = {
  tiny: {
    layers: 2,
    width: 128,
    heads: 4,
    batch: 4,
    seq: 128,
    checkpointing: false,
    state: 'device',
    lora: 0,
  },
  small: {
    layers: 12,
    width: 768,
    heads: 12,
    batch: 1,
    seq: 128,
    checkpointing: true,
    state: 'host',
    lora: 0,
  },
  'small-b4': {
    layers: 12,
    width: 768,
    heads: 12,
    batch: 4,
    seq: 128,
    checkpointing: true,
    state: 'host',
    lora: 0,
  },
  lora: {
    layers: 12,
    width: 768,
    heads: 12,
    batch: 4,
    seq: 128,
    checkpointing: true,
    state: 'device',
    lora: 16,
  },
  'small-device': {
    layers: 12,
    width: 768,
    heads: 12,
    batch: 1,
    seq: 128,
    checkpointing: true,
    state: 'device',
    lora: 0,
  },
} as const;
type ShapeName = keyof typeof SHAPES;
const STEPS = Number(process.env.GPTFT_BENCH_STEPS ?? 3);
const MiB = (b: number) => b / 2 ** 20;

interface Result {
  config: string;
  tokensPerSecond?: number;
  msPerStep?: number;
  cpuMsPerStep?: number;
  optimizerMsPerStep?: number;
  peakRssMiB?: number;
  peakTfjsMiB?: number;
  wasmHeapMiB?: number;
  trainable?: number;
  backend?: string;
  profile?: string;
  error?: string;
}

const middle = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(name: ShapeName): Promise<Result> {
  await import('@gptft/backend-wasm');
  const { tf, trackPeakMemory, useBackend } = await import('@gptft/backend');
  const { GPT2Config, GPT2Model } = await import('@gptft/gpt2-model');
  const { GPT2LMHeadModel } = await import('@gptft/heads');
  const { randomIds } = await import('@gptft/backend/bench');
  const { Trainer } = await import('../src/index.js');
  const s = SHAPES[name];
  const backend = await useBackend('wasm');
  const stopRss = trackPeakMemory();
  const config = new GPT2Config({
    nLayer: s.layers,
    nEmbd: s.width,
    nHead: s.heads,
    vocabSize: 50257,
    nPositions: 1024,
    embdPdrop: 0,
    attnPdrop: 0,
    residPdrop: 0,
  });
  const gpt = new GPT2Model(config, { seed: 1 });
  gpt.gradientCheckpointing = s.checkpointing;
  const lm = new GPT2LMHeadModel(gpt).train();
  let params: [string, import('@gptft/backend').Variable][] = lm.namedParameters();
  if (s.lora > 0) {
    const peft = await import('@gptft/peft');
    const cfg = peft.loraConfig({
      r: s.lora,
      lora_alpha: 2 * s.lora,
      lora_dropout: 0,
      target_modules: ['c_attn', 'c_proj', 'c_fc'],
    });
    const pm = peft.getPeftModel(lm, cfg, { seed: 1 });
    pm.train();
    params = pm.namedTrainableParameters();
  }
  const batch = randomIds(s.batch, s.seq, 50257, 7);
  const computeLoss = (ids: number[][]) => {
    const out = lm.forward({ inputIds: ids, labels: ids });
    out.logits.dispose();
    return out.loss as import('@gptft/backend').Scalar;
  };
  const times: number[] = [];
  const cpu: number[] = [];
  let last = 0;
  let lastCpu = process.cpuUsage();
  const trainer = new Trainer({
    model: { namedParameters: () => params, computeLoss },
    trainData: [batch],
    args: {
      outputDir: mkdtempSync(join(tmpdir(), 'gptft-bench-')),
      maxSteps: STEPS + 1,
      learningRate: 1e-4,
      weightDecay: 0.01,
      saveStrategy: 'no',
      loggingSteps: 1000,
      disableTqdm: true,
    },
    optimizerState: s.state,
    callbacks: {
      onStepEnd: () => {
        const now = performance.now();
        const c = process.cpuUsage(lastCpu);
        times.push(now - last);
        cpu.push((c.user + c.system) / 1000);
        last = now;
        lastCpu = process.cpuUsage();
      },
    },
  });
  const optMs: number[] = [];
  const step = trainer.optimizer.step.bind(trainer.optimizer);
  trainer.optimizer.step = (g) => {
    const t0 = performance.now();
    step(g);
    optMs.push(performance.now() - t0);
  };
  last = performance.now();
  await trainer.train();
  const ms = middle(times.slice(1));
  const vars = params.map(([, v]) => v);
  // tfjs' peak tensor bytes of one more forward + backward (tf.profile tracks the high-water mark)
  const prof = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => computeLoss(batch), vars);
    return [value, ...Object.values(grads)];
  });
  tf.dispose(prof.result as Tensor[]);
  let profile: string | undefined;
  if (process.env.GPTFT_BENCH_PROFILE) {
    const kernels = new Set(tf.getKernelsForBackend(tf.getBackend()).map((k) => k.kernelName));
    const byKernel = new Map<string, number>();
    for (const k of prof.kernels) {
      if (kernels.has(k.name)) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    }
    const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14);
    profile = top.map(([n, t]) => `${n} ${t.toFixed(0)} ms`).join(', ');
  }
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength;
  return {
    config: name,
    backend: backend.reason,
    trainable: params.reduce((n, [, v]) => n + v.size, 0),
    tokensPerSecond: (s.batch * s.seq) / (ms / 1000),
    msPerStep: ms,
    cpuMsPerStep: middle(cpu.slice(1)),
    optimizerMsPerStep: middle(optMs.slice(1)),
    peakRssMiB: MiB(stopRss()),
    peakTfjsMiB: MiB(prof.peakBytes),
    ...(heap ? { wasmHeapMiB: MiB(heap) } : {}),
    ...(profile ? { profile } : {}),
  };
}

interface TorchResult {
  tokensPerSecond?: number;
  cpuMsPerStep?: number;
  peakRssMiB?: number;
  threads?: number;
  error?: string;
}

function torchReference(name: ShapeName): TorchResult | undefined {
  if (!existsSync('/usr/bin/python3') || process.env.GPTFT_BENCH_TORCH === '0') return undefined;
  const script = fileURLToPath(new URL('./reference_train_step.py', import.meta.url));
  const threads = process.env.GPTFT_BENCH_TORCH_THREADS ?? '2';
  const r = spawnSync('/usr/bin/python3', [script, name.replace('-device', ''), threads, String(STEPS)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n').at(-1) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchResult;
}

const self = fileURLToPath(import.meta.url);
const arg = process.argv.indexOf('--child');
if (arg >= 0) {
  const name = process.argv[arg + 1] as ShapeName;
  try {
    console.log(JSON.stringify(await measure(name)));
  } catch (e) {
    const err = e as Error;
    console.log(
      JSON.stringify({ config: name, error: `${err.name}: ${String(err.message).split('\n')[0]}` }),
    );
  }
  process.exit(0);
}

const picked = process.argv.slice(2).filter((a): a is ShapeName => a in SHAPES);
const names: ShapeName[] = picked.length ? picked : ['tiny', 'small', 'small-b4', 'lora'];
const rows: BenchRow[] = [];
for (const name of names) {
  const s = SHAPES[name];
  const load = loadavg()[0]!;
  const child = runBenchChild<Result>(self, ['--child', name]);
  const ours: Result = child.ok ? child.value : { config: name, error: child.error };
  const torch = name === 'small-device' ? undefined : torchReference(name);
  const what =
    `${name}: ${s.layers}×${s.width}, batch ${s.batch}×${s.seq}` +
    `${s.lora ? `, LoRA r=${s.lora}` : ', full'}${s.checkpointing ? ', checkpointing' : ''}, AdamW on ${s.state}`;
  console.log(`${what}\n  gptft:   ${JSON.stringify(ours)}`);
  if (torch) console.log(`  PyTorch: ${JSON.stringify(torch)}`);
  rows.push({
    row: what,
    unit: 'tok/s',
    gptft: ours.tokensPerSecond,
    ...(ours.error ? { gptftError: ours.error } : {}),
    ...(torch?.tokensPerSecond ? { torch: torch.tokensPerSecond } : {}),
    ...(torch?.error ? { torchError: torch.error } : {}),
    torchThreads: torch?.threads,
    gptftCpuMs: ours.cpuMsPerStep,
    torchCpuMs: torch?.cpuMsPerStep,
    peakRssMiB: ours.peakRssMiB,
    torchPeakRssMiB: torch?.peakRssMiB,
    tensorPeakMiB: ours.peakTfjsMiB,
    wasmHeapMiB: ours.wasmHeapMiB,
    load: Math.max(load, loadavg()[0]!),
  });
}
printBenchRows(`training steps, ${STEPS} timed (median)`, rows);
recordBenchRows(rows);
