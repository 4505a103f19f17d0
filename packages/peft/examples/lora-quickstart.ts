// LoRA on GPT-2 with @gptft/peft: attach, train a few steps, save a PEFT adapter, reload, merge.
//   npx tsx examples/lora-quickstart.ts [path/to/gpt2-folder] [out-dir]
import '@gptft/backend-wasm';
import { fileURLToPath } from 'node:url';
import { matMul, tf, useBackend } from '@gptft/backend';
import { GPT2Model } from '@gptft/gpt2-model';
import { getPeftModel, loraConfig, PeftModel } from '../src/index.js';

const folder =
  process.argv[2] ?? fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/gpt2-tiny/', import.meta.url));
const outDir = process.argv[3] ?? 'out/my-lora';

await useBackend('wasm');
const model = await GPT2Model.fromPretrained(folder);
const peft = getPeftModel(
  model,
  loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn'], fan_in_fan_out: true }),
  { seed: 1 }, // reproducible A init
);
peft.printTrainableParameters(); // trainable params: ... || all params: ... || trainable%: ...

const ids = [15496, 11, 616, 1438, 318, 1757]; // "Hello, my name is John"
const loss = () =>
  tf.tidy(() => {
    const h = peft.forward({ inputIds: [ids] }).lastHiddenState;
    const logits = matMul(tf.reshape(h, [-1, model.config.nEmbd]), model.wte.weight, false, true); // tied head
    const targets = tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), logits.shape[1]!);
    return tf.losses.softmaxCrossEntropy(
      targets,
      tf.slice(logits, [0, 0], [ids.length - 1, -1]),
    ) as tf.Scalar;
  });
peft.train();
model.setSeed(1); // reproducible dropout masks
const opt = tf.train.adam(1e-2);
for (let step = 0; step < 5; step++) {
  const l = opt.minimize(loss, true, peft.trainableVariables())!;
  console.log(`step ${step}: loss ${l.dataSync()[0]!.toFixed(4)}`);
  l.dispose();
}
opt.dispose();
await peft.savePretrained(outDir); // adapter_config.json + adapter_model.safetensors (PEFT's keys)
peft.dispose();

const base = await GPT2Model.fromPretrained(folder);
const reloaded = await PeftModel.fromPretrained(base, outDir);
const merged = reloaded.mergeAndUnload(); // a plain GPT2Model with W + (B·A)ᵀ·alpha/r
console.log('merged c_attn weight shape', merged.getParameter('h.0.attn.c_attn.weight').shape.join(','));
merged.dispose();
