/**
 * GPT-2 backbone speed and memory on the default backend (wasm unless GPTFT_BACKEND says otherwise):
 *
 * - forward tokens/s, GPT-2-small shape (12 layers, 768 wide, 12 heads, vocab 50257, random
 *   weights), batch 4 × sequence 128, backbone + tied LM head on every position;
 * - per-token latency greedy-decoding 128 tokens (batch 1), with and without the KV cache;
 * - a training step (forward + backward + SGD update) in tokens/s for the tiny shape of
 *   PERF-NOTES (2 layers, 128 wide, vocab 50257, batch 4 × 128);
 * - optionally (GPTFT_BENCH_SMALL_TRAIN=1) a GPT-2-small training step with gradient checkpointing.
 *
 * Peak RSS comes from `trackPeakMemory`. `pnpm --filter @gptft/gpt2-model bench`.
 */
import '@gptft/backend-wasm';
import '@gptft/backend-cpu';
import { matMul, type Tensor, tf, trackPeakMemory, useBackend } from '@gptft/backend';
import { median, randomIds } from '@gptft/backend/bench';
import { disposePast, GPT2Config, GPT2Model, type PastKeyValues } from '../src/index.js';

const backend = await useBackend((process.env.GPTFT_BACKEND as 'wasm' | 'cpu' | undefined) ?? 'wasm');
const REPS = Number(process.env.GPTFT_BENCH_REPS ?? 3);
const MB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const rows: string[][] = [];
const report = (what: string, value: string, peak: number, note = '') => {
  rows.push([what, value, MB(peak), note]);
  console.log(`${what}: ${value}  (peak RSS ${MB(peak)}) ${note}`);
};

/** Tied LM head logits of the last position of each row: [B, V]. */
function lastLogits(model: GPT2Model, hidden: Tensor): Tensor {
  return tf.tidy(() => {
    const [b, t, c] = hidden.shape as [number, number, number];
    const last = tf.reshape(tf.slice(hidden, [0, t - 1, 0], [b, 1, c]), [b, c]);
    return matMul(last, model.wte.weight, false, true);
  });
}

const small = new GPT2Config({ nLayer: 12, nEmbd: 768, nHead: 12, vocabSize: 50257, nPositions: 1024 });
console.log(`backend ${backend.name} (${backend.reason}); GPT-2 small shape, random weights`);

// --- forward throughput --------------------------------------------------------------------
{
  const stop = trackPeakMemory();
  const model = new GPT2Model(small, { seed: 1 }).eval();
  console.log(`parameters: ${model.numParameters().toLocaleString('en-US')}`);
  const [B, T] = [4, 128];
  const ids = tf.tensor2d(randomIds(B, T, small.vocabSize, 7), undefined, 'int32');
  const run = () => {
    const t0 = performance.now();
    tf.tidy(() => {
      const h = model.forward({ inputIds: ids }).lastHiddenState;
      matMul(tf.reshape(h, [B * T, small.nEmbd]), model.wte.weight, false, true).dataSync();
    });
    return performance.now() - t0;
  };
  run(); // warm-up (kernel set-up, XNNPACK weight packing)
  const ms = median(Array.from({ length: REPS }, run));
  report(
    'forward, batch 4 × 128, with LM head',
    `${((B * T) / (ms / 1000)).toFixed(0)} tok/s`,
    stop(),
    `${ms.toFixed(0)} ms/pass`,
  );
  const runBackbone = () => {
    const t0 = performance.now();
    tf.tidy(() => model.forward({ inputIds: ids }).lastHiddenState.dataSync());
    return performance.now() - t0;
  };
  const msB = median(Array.from({ length: REPS }, runBackbone));
  report('forward, batch 4 × 128, backbone only', `${((B * T) / (msB / 1000)).toFixed(0)} tok/s`, stop());

  // --- decoding latency ------------------------------------------------------------------
  const N = 128;
  const prompt = randomIds(1, 1, small.vocabSize, 3)[0]!;
  const decode = (cache: boolean) => {
    const stopDecode = trackPeakMemory();
    const seq = [...prompt];
    let past: PastKeyValues | undefined;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const input = cache && past ? [[seq.at(-1)!]] : [seq];
      const out = model.forward({ inputIds: input, pastKeyValues: past, useCache: cache });
      disposePast(past);
      past = out.pastKeyValues;
      const next = tf.tidy(() => tf.argMax(lastLogits(model, out.lastHiddenState), -1).dataSync()[0]!);
      out.lastHiddenState.dispose();
      seq.push(next);
    }
    const ms = performance.now() - t0;
    disposePast(past);
    return { perToken: ms / N, peak: stopDecode() };
  };
  decode(true); // warm-up
  const withCache = decode(true);
  report(
    'greedy decode 128 tokens, KV cache',
    `${withCache.perToken.toFixed(1)} ms/token`,
    withCache.peak,
    `${(1000 / withCache.perToken).toFixed(1)} tok/s`,
  );
  const noCache = decode(false);
  report(
    'greedy decode 128 tokens, no cache',
    `${noCache.perToken.toFixed(1)} ms/token`,
    noCache.peak,
    `${(1000 / noCache.perToken).toFixed(1)} tok/s`,
  );
  ids.dispose();
  model.dispose();
}

// --- training step -------------------------------------------------------------------------
function trainStep(
  config: GPT2Config,
  b: number,
  t: number,
  checkpointing: boolean,
  reps: number,
  label: string,
) {
  const stop = trackPeakMemory();
  const model = new GPT2Model(config, { seed: 2 }).train();
  model.gradientCheckpointing = checkpointing;
  const rows = randomIds(b, t + 1, config.vocabSize, 11);
  const input = tf.tensor2d(
    rows.map((r) => r.slice(0, t)),
    undefined,
    'int32',
  );
  const labels = tf.tensor1d(
    rows.flatMap((r) => r.slice(1)),
    'int32',
  );
  const opt = tf.train.sgd(1e-3);
  const step = () => {
    const t0 = performance.now();
    const loss = opt.minimize(
      () =>
        tf.tidy(() => {
          const h = tf.reshape(model.forward({ inputIds: input }).lastHiddenState, [b * t, config.nEmbd]);
          const logits = matMul(h, model.wte.weight, false, true);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, config.vocabSize), logits) as tf.Scalar;
        }),
      true,
      model.parameters(),
    );
    loss!.dataSync();
    loss!.dispose();
    return performance.now() - t0;
  };
  step();
  const ms = median(Array.from({ length: reps }, step));
  report(label, `${((b * t) / (ms / 1000)).toFixed(0)} tok/s`, stop(), `${ms.toFixed(0)} ms/step`);
  tf.dispose([input, labels]);
  opt.dispose();
  model.dispose();
}

const tiny = new GPT2Config({ nLayer: 2, nEmbd: 128, nHead: 4, vocabSize: 50257, nPositions: 1024 });
trainStep(tiny, 4, 128, false, REPS, 'train step (fwd+bwd+SGD), tiny 2×128, batch 4 × 128');
trainStep(tiny, 4, 128, true, REPS, 'same, gradient checkpointing');
if (process.env.GPTFT_BENCH_SMALL_TRAIN === '1') {
  trainStep(small, 2, 128, true, 1, 'train step GPT-2 small, batch 2 × 128, gradient checkpointing');
}

console.log('\n| measurement | value | peak RSS | note |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
