/**
 * IA³ training-step throughput vs LoRA (r=8 on c_attn) on the embedded wasm backend: tokens/s of
 * forward + backward + Adam update through `PeftModel`, peak process RSS, trainable parameters.
 * Random weights, vocabulary 50257 (tied LM head), no dropout.
 *
 *   pnpm bench                    tiny: 2 layers × 128, batch 4 × 128
 *   pnpm bench -- small           the GPT-2-small shape (12 × 768), batch 1 × 128
 *   GPTFT_BENCH_STEPS=n           timed steps (default 3; one untimed warm-up step first)
 */
import '@gptft/backend-wasm';
import { crossEntropy, matMul, tf, trackPeakMemory, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { type BasePeftConfig, getPeftModel, loraConfig } from '@gptft/peft';
import { ia3Config } from '../src/index.js';

const SHAPES = {
  tiny: { nLayer: 2, nEmbd: 128, nHead: 4, batch: 4, seq: 128 },
  small: { nLayer: 12, nEmbd: 768, nHead: 12, batch: 1, seq: 128 },
} as const;
const shapeName = (process.argv[2] ?? 'tiny') as keyof typeof SHAPES;
const shape = SHAPES[shapeName];
if (!shape) throw new Error(`unknown shape "${process.argv[2]}" (tiny, small)`);
const STEPS = Number(process.env.GPTFT_BENCH_STEPS ?? 3);

const backend = await useBackend('wasm');
console.log(`backend ${backend.name}; shape ${shapeName} (${JSON.stringify(shape)}); ${STEPS} timed steps`);

async function run(label: string, config: BasePeftConfig): Promise<void> {
  const stopRss = trackPeakMemory();
  const model = new GPT2Model(
    new GPT2Config({
      ...shape,
      vocabSize: 50257,
      nPositions: 1024,
      embdPdrop: 0,
      attnPdrop: 0,
      residPdrop: 0,
    }),
    { seed: 1 },
  );
  const pm = getPeftModel(model, config, { seed: 1 });
  const ids = Array.from({ length: shape.batch }, (_, b) =>
    Array.from({ length: shape.seq }, (_, t) => (b * 7919 + t * 104729) % 50257),
  );
  const loss = () =>
    tf.tidy(() => {
      const h = pm.forward({ inputIds: ids }).lastHiddenState;
      const logits = matMul(tf.reshape(h, [-1, shape.nEmbd]), model.wte.weight, false, true);
      return crossEntropy(
        logits,
        ids.flatMap((r) => [...r.slice(1), -100]), // next-token labels; the last position has none
      );
    });
  const opt = tf.train.adam(1e-3);
  const vars = pm.trainableVariables();
  const step = () => opt.minimize(loss, false, vars);
  step(); // warm-up (kernels, Adam slots)
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  const ms = (performance.now() - t0) / STEPS;
  const peak = stopRss();
  const tps = (shape.batch * shape.seq) / (ms / 1000);
  console.log(
    `${label.padEnd(14)} ${pm.trainableParametersLine()}\n${''.padEnd(14)} ${ms.toFixed(0)} ms/step, ${tps.toFixed(1)} tokens/s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
  );
  opt.dispose();
  pm.dispose();
}

await run('IA3 (default)', ia3Config());
await run('LoRA r=8', loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn'] }));
