/**
 * Trainer throughput: training tokens/s (forward + backward + clipping + AdamW update, through
 * `Trainer.train`) and peak memory (process RSS, and tfjs' peak bytes during one step) on the
 * default backend (wasm), for two shapes with random weights:
 *
 * - tiny:  2 layers, 128 wide, 4 heads, vocabulary 50257 (tied LM head), batch 4 × 128;
 * - small: the GPT-2-small shape (12 × 768, 12 heads, 124M parameters), batch 1 × 128, gradient
 *   checkpointing, full fine-tuning, AdamW moments in host memory (`optimizerState: 'host'`);
 * - small-device: the same with the moments on the wasm heap (the default), which does not fit.
 *
 * Beside each, the same step in PyTorch (`bench/reference_train_step.py`, `/usr/bin/python3`, torch
 * 1.13) when it is installed, run right after on the same machine, and the ratio. Each measurement
 * runs in its own process (a failure such as a wasm heap exhaustion does not end the others).
 *
 *   pnpm bench                        tiny and small
 *   pnpm bench -- tiny small-device   these shapes
 *   GPTFT_BENCH_STEPS=n               timed steps per shape (default 3; the first step is not timed)
 *   GPTFT_BENCH_TORCH_THREADS=n       PyTorch threads (default 2)
 *   GPTFT_BENCH_BATCH=n               batch size of the GPT-2-small shapes (default 1)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SHAPES = {
  tiny: {
    layers: 2,
    width: 128,
    heads: 4,
    batch: 4,
    seq: 128,
    checkpointing: false,
    optimizerState: 'device',
  },
  small: {
    layers: 12,
    width: 768,
    heads: 12,
    batch: 1,
    seq: 128,
    checkpointing: true,
    optimizerState: 'host',
  },
  // The same with the AdamW moments on the wasm heap (the default): shows where the heap runs out.
  'small-device': {
    layers: 12,
    width: 768,
    heads: 12,
    batch: 1,
    seq: 128,
    checkpointing: true,
    optimizerState: 'device',
  },
} as const;
type ShapeName = keyof typeof SHAPES;
const STEPS = Number(process.env.GPTFT_BENCH_STEPS ?? 3);
/** GPTFT_BENCH_BATCH overrides the batch size of the GPT-2-small shapes (to find the heap limit). */
const batchOf = (name: ShapeName) =>
  name.startsWith('small') && process.env.GPTFT_BENCH_BATCH
    ? Number(process.env.GPTFT_BENCH_BATCH)
    : SHAPES[name].batch;
const MiB = (b: number) => b / 2 ** 20;

interface Result {
  config: string;
  tokensPerSecond?: number;
  msPerStep?: number;
  optimizerMsPerStep?: number;
  peakRssMiB?: number;
  peakTfjsMiB?: number;
  parameters?: number;
  backend?: string;
  error?: string;
}

async function measure(name: ShapeName): Promise<Result> {
  await import('@gptft/backend-wasm');
  const { matMul, tf, trackPeakMemory, useBackend } = await import('@gptft/backend');
  const { GPT2Config, GPT2Model } = await import('@gptft/gpt2-model');
  const { causalLmLoss, Trainer } = await import('../src/index.js');
  const s = { ...SHAPES[name], batch: batchOf(name) };
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
  const gpt = new GPT2Model(config, { seed: 1 }).train();
  gpt.gradientCheckpointing = s.checkpointing;
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 50257;
  };
  const batch = Array.from({ length: s.batch }, () => Array.from({ length: s.seq }, rand));
  const model = {
    namedParameters: () => gpt.namedParameters(),
    computeLoss: (ids: number[][]) => {
      const h = gpt.forward({ inputIds: ids }).lastHiddenState;
      const [b, t, c] = h.shape;
      const logits = tf.reshape(matMul(tf.reshape(h, [b * t, c]), gpt.wte.weight, false, true), [b, t, -1]);
      return causalLmLoss(logits as import('@gptft/backend').Tensor3D, ids.flat());
    },
  };
  const times: number[] = [];
  let last = 0;
  const trainer = new Trainer({
    model,
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
    optimizerState: s.optimizerState,
    callbacks: {
      onStepEnd: () => {
        const now = performance.now();
        times.push(now - last);
        last = now;
      },
    },
  });
  // Time spent in the optimizer update alone.
  const optMs: number[] = [];
  const step = trainer.optimizer.step.bind(trainer.optimizer);
  trainer.optimizer.step = (g) => {
    const t0 = performance.now();
    step(g);
    optMs.push(performance.now() - t0);
  };
  last = performance.now();
  await trainer.train();
  const timed = times.slice(1).sort((a, b) => a - b);
  const ms = timed[Math.floor(timed.length / 2)]!;
  // Peak tfjs bytes of one more step (tf.profile tracks the engine's high-water mark).
  const vars = gpt.namedParameters().map(([, v]) => v);
  const prof = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => model.computeLoss(batch), vars);
    value.dispose();
    tf.dispose(Object.values(grads));
  });
  return {
    config: name,
    backend: backend.reason,
    parameters: gpt.numParameters(),
    tokensPerSecond: (s.batch * s.seq) / (ms / 1000),
    msPerStep: ms,
    optimizerMsPerStep: optMs.slice(1).sort((a, b) => a - b)[Math.floor((optMs.length - 1) / 2)],
    peakRssMiB: MiB(stopRss()),
    peakTfjsMiB: MiB(prof.peakBytes),
  };
}

function torchReference(name: ShapeName): Result | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined;
  const script = fileURLToPath(new URL('./reference_train_step.py', import.meta.url));
  const threads = process.env.GPTFT_BENCH_TORCH_THREADS ?? '2';
  const args = [script, name.replace('-device', ''), threads, String(STEPS), String(batchOf(name))];
  const r = spawnSync('/usr/bin/python3', args, {
    encoding: 'utf8',
  });
  if (r.status !== 0) return { config: name, error: (r.stderr || r.stdout).trim().split('\n').at(-1) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

const self = fileURLToPath(import.meta.url);
const arg = process.argv.indexOf('--child');
if (arg >= 0) {
  const name = process.argv[arg + 1] as ShapeName;
  try {
    console.log(JSON.stringify(await measure(name)));
  } catch (e) {
    console.log(JSON.stringify({ config: name, error: String((e as Error).message ?? e).split('\n')[0] }));
  }
  process.exit(0);
}

const names = (process.argv.slice(2).filter((a) => a in SHAPES) as ShapeName[]).length
  ? (process.argv.slice(2).filter((a) => a in SHAPES) as ShapeName[])
  : (['tiny', 'small'] as ShapeName[]);
const fmt = (x: number | undefined, d = 0) => (x === undefined ? '–' : x.toFixed(d));
const rows: string[] = [];
for (const name of names) {
  const s = { ...SHAPES[name], batch: batchOf(name) };
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', name], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = child.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  const ours: Result = line
    ? (JSON.parse(line) as Result)
    : {
        config: name,
        error: `exit ${child.status ?? child.signal}: ${child.stderr.trim().split('\n').at(-1)}`,
      };
  const torch = name === 'small-device' ? undefined : torchReference(name);
  const shape = `${s.layers}×${s.width}, batch ${s.batch}×${s.seq}${s.checkpointing ? ', grad. checkpointing' : ''}, AdamW state on ${s.optimizerState}`;
  console.log(`${name} (${shape})`);
  console.log(`  gptft:   ${JSON.stringify(ours)}`);
  if (torch) console.log(`  PyTorch: ${JSON.stringify(torch)}`);
  const ratio =
    ours.tokensPerSecond && torch?.tokensPerSecond
      ? (ours.tokensPerSecond / torch.tokensPerSecond).toFixed(2)
      : '–';
  rows.push(
    `| ${name}: ${shape} | ${ours.error ? `fails: ${ours.error}` : fmt(ours.tokensPerSecond, 1)} | ${fmt(ours.peakRssMiB)} | ${fmt(ours.peakTfjsMiB)} | ${torch?.error ? `fails: ${torch.error}` : fmt(torch?.tokensPerSecond, 1)} | ${fmt(torch?.peakRssMiB)} | ${ratio} |`,
  );
}
console.log(
  `\nsteps timed: ${STEPS} (median)\n\n| shape | gptft tok/s | peak RSS MiB | tfjs peak MiB | PyTorch tok/s | PyTorch peak RSS MiB | gptft / PyTorch |\n|---|---|---|---|---|---|---|`,
);
for (const r of rows) console.log(r);
