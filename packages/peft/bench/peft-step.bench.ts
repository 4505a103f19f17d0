/**
 * PEFT training-step cost on the GPT-2-small shape (12 layers × 768, 12 heads, vocabulary 50257,
 * tied LM head, random weights — no checkpoint is needed offline), batch 1 × 128 tokens, gradient
 * checkpointing, Adam, on the embedded wasm backend: LoRA, bottleneck adapters (Houlsby,
 * Pfeiffer), prefix tuning and full fine-tuning. Prints the trainable-parameter line (PEFT's
 * format), step time (median of the timed steps; the first step is not timed), tokens/s, peak
 * process RSS (sampled) and tfjs' peak bytes during one step (`tf.profile`). Each method runs in
 * its own process, so a failure (full fine-tuning may exhaust the ~4 GiB wasm heap, which
 * `@gptft/backend-wasm` reports as `WasmHeapExhaustedError`) does not end the others.
 *
 *   pnpm bench                                   all methods
 *   pnpm bench -- lora full                      some of them
 *   GPTFT_BENCH_STEPS=n                          timed steps per method (default 3)
 *   GPTFT_BENCH_SHAPE=tiny                       2 × 128 instead of GPT-2 small (a quick check)
 *   GPTFT_BENCH_CHECKPOINTING=0                  keep all activations instead of recomputing blocks
 */
import { fileURLToPath } from 'node:url';
import type { tf as TF, Variable } from '@gptft/backend';
import { runBenchChild } from '@gptft/backend/bench';

const METHODS = ['lora', 'houlsby', 'pfeiffer', 'prefix', 'full'] as const;
type MethodName = (typeof METHODS)[number];
const STEPS = Number(process.env.GPTFT_BENCH_STEPS ?? 3);
const SHAPE =
  process.env.GPTFT_BENCH_SHAPE === 'tiny'
    ? { name: 'tiny', nLayer: 2, nEmbd: 128, nHead: 4 }
    : { name: 'GPT-2 small', nLayer: 12, nEmbd: 768, nHead: 12 };
const CHECKPOINTING = process.env.GPTFT_BENCH_CHECKPOINTING !== '0';
const BATCH = 1;
const SEQ = 128;
const MiB = (b: number) => b / 2 ** 20;

interface Result {
  method: MethodName;
  backend?: string;
  trainable?: string;
  msPerStep?: number;
  /** CPU time of the process per step (user + system): less sensitive than wall time to a busy machine. */
  cpuMsPerStep?: number;
  tokensPerSecond?: number;
  peakRssMiB?: number;
  peakTfjsMiB?: number;
  error?: string;
}

async function measure(method: MethodName, report: (r: Partial<Result>) => void): Promise<Result> {
  await import('@gptft/backend-wasm');
  const { tf, trackPeakMemory, useBackend } = await import('@gptft/backend');
  const { median, peakGradientBytes, randomIds } = await import('@gptft/backend/bench');
  const { GPT2Config, GPT2Model } = await import('@gptft/gpt2-model');
  const { GPT2LMHeadModel } = await import('@gptft/heads');
  const peft = await import('../src/index.js');
  const backend = await useBackend('wasm');
  const stopRss = trackPeakMemory();
  const config = new GPT2Config({
    nLayer: SHAPE.nLayer,
    nEmbd: SHAPE.nEmbd,
    nHead: SHAPE.nHead,
    vocabSize: 50257,
    nPositions: 1024,
    embdPdrop: 0,
    attnPdrop: 0,
    residPdrop: 0,
  });
  const gpt = new GPT2Model(config, { seed: 1 });
  gpt.gradientCheckpointing = CHECKPOINTING;
  const lm = new GPT2LMHeadModel(gpt).train();
  let vars: Variable[];
  let trainable: string;
  if (method === 'full') {
    lm.requiresGrad(true);
    vars = lm.parameters();
    const n = lm.numParameters();
    trainable = `trainable params: ${n.toLocaleString('en-US')} || all params: ${n.toLocaleString('en-US')} || trainable%: 100.0000`;
  } else {
    const cfg = {
      lora: () => peft.loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn'] }),
      houlsby: () => peft.houlsbyConfig(),
      pfeiffer: () => peft.pfeifferConfig(),
      prefix: () => peft.prefixTuningConfig({ num_virtual_tokens: 20 }),
    }[method]();
    const pm = peft.getPeftModel(lm, cfg, { seed: 1 });
    pm.train();
    vars = pm.trainableVariables();
    trainable = pm.trainableParametersLine();
  }
  report({ method, backend: backend.reason, trainable });
  const batch = randomIds(BATCH, SEQ, 50257, 7);
  const loss = () => {
    const out = lm.forward({ inputIds: batch, labels: batch });
    out.logits.dispose();
    return out.loss as TF.Scalar;
  };
  const opt = tf.train.adam(1e-4);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s <= STEPS; s++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const l = opt.minimize(loss, true, vars)!;
    l.dataSync();
    l.dispose();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    // let the RSS sampler run between steps
    await new Promise((r) => setTimeout(r, 30));
  }
  const ms = median(times.slice(1)); // the first step is not timed
  const peakTfjs = await peakGradientBytes(loss, vars);
  return {
    method,
    backend: backend.reason,
    trainable,
    msPerStep: ms,
    cpuMsPerStep: median(cpu.slice(1)),
    tokensPerSecond: (BATCH * SEQ) / (ms / 1000),
    peakRssMiB: MiB(stopRss()),
    peakTfjsMiB: MiB(peakTfjs),
  };
}

const self = fileURLToPath(import.meta.url);
const arg = process.argv.indexOf('--child');
if (arg >= 0) {
  const method = process.argv[arg + 1] as MethodName;
  let partial: Partial<Result> = { method };
  try {
    console.log(JSON.stringify(await measure(method, (r) => (partial = r))));
  } catch (e) {
    const err = e as Error;
    console.log(JSON.stringify({ ...partial, error: `${err.name}: ${String(err.message).split('\n')[0]}` }));
  }
  process.exit(0);
}

const picked = process.argv
  .slice(2)
  .filter((a): a is MethodName => (METHODS as readonly string[]).includes(a));
const methods = picked.length > 0 ? picked : [...METHODS];
const fmt = (x: number | undefined, d = 0) => (x === undefined ? '–' : x.toFixed(d));
const rows: string[] = [];
console.log(
  `${SHAPE.name} (${SHAPE.nLayer}×${SHAPE.nEmbd}), batch ${BATCH}×${SEQ}, gradient checkpointing ${CHECKPOINTING ? 'on' : 'off'}, Adam, wasm`,
);
for (const method of methods) {
  const child = runBenchChild<Result>(self, ['--child', method]);
  const r: Result = child.ok ? child.value : { method, error: child.error };
  console.log(`${method}: ${JSON.stringify(r)}`);
  rows.push(
    `| ${method} | ${r.trainable?.replace(/trainable params: ([\d,]+).*trainable%: ([\d.]+)/, '$1 ($2%)') ?? '–'} | ${r.error ? `fails: ${r.error}` : fmt(r.msPerStep)} | ${fmt(r.cpuMsPerStep)} | ${fmt(r.tokensPerSecond, 1)} | ${fmt(r.peakRssMiB)} | ${fmt(r.peakTfjsMiB)} |`,
  );
}
console.log(
  `\nsteps timed: ${STEPS} (median)\n\n| method | trainable params | ms/step | CPU ms/step | tokens/s | peak RSS MiB | tfjs peak MiB |\n|---|---|---|---|---|---|---|`,
);
for (const r of rows) console.log(r);
