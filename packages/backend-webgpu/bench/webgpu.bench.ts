/**
 * WebGPU next to wasm on three GPT-2 workloads, each configuration in its own process:
 *
 * - train-tiny: one training step (forward, backward, SGD update) of a 2-layer, 128-wide GPT-2
 *   (vocab 50257, tied LM head, fused cross-entropy), batch 4 × 128 → tokens/s;
 * - forward-small: a forward pass of the GPT-2-small shape (12 × 768, random init) with its LM
 *   head, batch 1 × 128 → tokens/s;
 * - decode-small: greedy decoding with the KV cache, GPT-2-small shape, prompt 16 → tokens/s of
 *   decoding alone (prefill + first token subtracted).
 *
 * The table names the WebGPU adapter. On a software adapter (SwiftShader, lavapipe: CPU machines)
 * the WebGPU column is for the record only — it is a correctness path. The same file runs unchanged
 * on a machine with a GPU: `GPTFT_WEBGPU_TEST_DRIVER=system` (or no chromium installed) leaves the
 * machine's Vulkan drivers in charge, where `auto` would pick WebGPU too.
 *
 *   pnpm bench                                 all three, wasm and webgpu
 *   pnpm bench -- train-tiny                   one workload
 *   GPTFT_BENCH_STEPS=n  GPTFT_BENCH_NEW=n     timed steps (default 2) / new tokens (default 32)
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, randomIds, runBenchChild } from '@gptft/backend/bench';

const WORKLOADS = ['train-tiny', 'forward-small', 'decode-small'] as const;
type Workload = (typeof WORKLOADS)[number];
const BACKENDS = ['wasm', 'webgpu'] as const;
const STEPS = Number(process.env.GPTFT_BENCH_STEPS ?? 2);
const NEW = Number(process.env.GPTFT_BENCH_NEW ?? 32);
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface Result {
  tokensPerSecond: number;
  msPerStep: number;
  backend: string;
  reason: string;
}

async function measure(backendName: string, workload: Workload): Promise<Result> {
  await import('@gptft/backend-wasm');
  await import('../src/index.js');
  const { crossEntropy, matMul, tf, useBackend } = await import('@gptft/backend');
  const { GPT2Config, GPT2Model } = await import('@gptft/gpt2-model');
  const { GPT2LMHeadModel, generate } = await import('@gptft/heads');
  const active = await useBackend(backendName);
  const time = (f: () => void) => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const result = (tokens: number, ms: number): Result => ({
    tokensPerSecond: (tokens * 1000) / ms,
    msPerStep: ms,
    backend: active.name,
    reason: active.reason,
  });
  if (workload === 'train-tiny') {
    const config = new GPT2Config({ nLayer: 2, nEmbd: 128, nHead: 4, vocabSize: 50257, nPositions: 1024 });
    const gpt = new GPT2Model(config, { seed: 1 }).train();
    const ids = randomIds(4, 128, config.vocabSize, 7);
    const vars = gpt.namedParameters().map(([, v]) => v);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const h = gpt.forward({ inputIds: ids }).lastHiddenState; // [4, 128, C]
          const logits = matMul(tf.reshape(h, [-1, config.nEmbd]), gpt.wte.weight, false, true);
          return crossEntropy(logits, ids.flat());
        }, vars);
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 1e-4)));
        value.dataSync(); // waits for the GPU
      });
    step();
    const ms = median(Array.from({ length: STEPS }, () => time(step)));
    return result(4 * 128, ms);
  }
  const config = new GPT2Config({ nLayer: 12, nEmbd: 768, nHead: 12, vocabSize: 50257, nPositions: 1024 });
  const model = new GPT2LMHeadModel(new GPT2Model(config, { seed: 1 })).eval();
  if (workload === 'forward-small') {
    const ids = randomIds(1, 128, config.vocabSize, 11);
    const forward = () =>
      tf.tidy(() => {
        const h = model.transformer.forward({ inputIds: ids }).lastHiddenState;
        matMul(tf.reshape(h, [-1, config.nEmbd]), model.transformer.wte.weight, false, true).dataSync();
      });
    forward();
    return result(128, median(Array.from({ length: STEPS }, () => time(forward))));
  }
  const ids = randomIds(1, 16, config.vocabSize, 13);
  const run = (n: number) => time(() => generate(model, ids, { eosTokenId: null, maxNewTokens: n }));
  run(2);
  const prefill = median(Array.from({ length: STEPS }, () => run(1)));
  const full = median(Array.from({ length: STEPS }, () => run(NEW)));
  return result(NEW - 1, full - prefill);
}

const [, , childBackend, childWorkload] = process.argv;
if (childBackend && WORKLOADS.includes(childWorkload as Workload)) {
  if (childBackend === 'webgpu' && process.env.GPTFT_WEBGPU_TEST_DRIVER !== 'system') {
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;
  }
  console.log(JSON.stringify(await measure(childBackend, childWorkload as Workload)));
  process.exit(0);
}

const chosen = process.argv.slice(2).filter((a) => WORKLOADS.includes(a as Workload)) as Workload[];
const workloads = chosen.length ? chosen : [...WORKLOADS];
const script = fileURLToPath(import.meta.url);
const rows: string[] = [];
let adapter = '';
for (const workload of workloads) {
  const cells: string[] = [];
  for (const backend of BACKENDS) {
    const r = runBenchChild<Result>(script, [backend, workload]);
    if (r.ok) {
      cells.push(`${r.value.tokensPerSecond.toFixed(2)} tok/s (${r.value.msPerStep.toFixed(0)} ms)`);
      if (backend === 'webgpu') adapter = r.value.reason;
    } else {
      cells.push(`failed: ${r.error}`);
    }
    console.log(`${workload} on ${backend}: ${cells.at(-1)}`);
  }
  rows.push(`| ${workload} | ${cells.join(' | ')} |`);
}
console.log(`\nwebgpu: ${adapter || 'not available'}\n`);
console.log('| workload | wasm | webgpu |\n|---|---|---|');
for (const r of rows) console.log(r);
