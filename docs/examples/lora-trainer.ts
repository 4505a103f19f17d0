// LoRA fine-tuning of a causal LM with the Trainer: attach a LoRA adapter (getPeftModel), train
// only the adapter on tokenized texts, save it in PEFT's format, load it back onto a fresh base.
//   npx tsx examples/lora-trainer.ts [folder-or-repo-id] [adapter-dir]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { causalLMCollator } from '@gptft/datasets';
import { GPT2LMHeadModel } from '@gptft/heads';
import { getPeftModel, loraConfig, PeftModel } from '@gptft/peft';
import { GPT2_EOS_ID, GPT2Tokenizer } from '@gptft/tokenizer';
import { causalLMTrainable, Trainer } from '@gptft/trainer';
import { TINY_GPT2 } from './fixture.js';

const TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'A journey of a thousand miles begins with a single step.',
  'To be, or not to be, that is the question.',
  'All that glitters is not gold.',
];

export async function loraTrainer(source = TINY_GPT2, adapterDir?: string, maxSteps = 8) {
  await useBackend('wasm');
  const model = await GPT2LMHeadModel.fromPretrained(source, { seed: 1 }); // seeded dropout masks
  // LoRA on the attention projection of every block (PEFT's PeftModelForCausalLM); the base is frozen.
  const peft = getPeftModel(
    model,
    loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn'], task_type: 'CAUSAL_LM' }),
    { seed: 1 },
  );
  peft.printTrainableParameters(); // trainable params: 8,192 || all params: … || trainable%: …

  // Tokenized examples; the collator pads them and sets labels = input ids (-100 on padding).
  const tokenizer = GPT2Tokenizer.gpt2();
  const examples = TEXTS.map((t) => ({ inputIds: [...tokenizer.encode(t), GPT2_EOS_ID] }));

  const outputDir = await mkdtemp(join(tmpdir(), 'gptft-lora-'));
  const trainer = new Trainer({
    // The adapter's parameters (PEFT's key names) train; the model computes its own shifted loss.
    model: causalLMTrainable(peft),
    trainDataset: examples, // reshuffled into new batches every epoch
    dataCollator: causalLMCollator({ padTokenId: GPT2_EOS_ID }),
    args: {
      outputDir,
      maxSteps,
      perDeviceTrainBatchSize: 2,
      learningRate: 1e-2,
      warmupSteps: 1,
      loggingSteps: 2,
      saveSteps: 1000,
    },
    // Checkpoints hold the adapter only, in PEFT's format.
    saveModel: (dir) => peft.savePretrained(dir),
    callbacks: { onLog: (e) => console.log(`step ${e.step}: loss ${e.loss?.toFixed(4)}`) },
  });
  await trainer.train(); // training mode (dropout) while training, evaluation mode after
  trainer.optimizer.dispose();

  peft.eval(); // no dropout from here on
  const dir = adapterDir ?? join(outputDir, 'adapter');
  await peft.savePretrained(dir); // adapter_config.json + adapter_model.safetensors (PEFT loads it)
  const ids = [tokenizer.encode('To be, or not to be')];
  const trained = tf.tidy(() => Array.from(model.forward({ inputIds: ids }).logits.dataSync().slice(0, 5)));
  peft.dispose();
  model.dispose();

  // Later, or in Python: the base model + the adapter folder.
  const base = await GPT2LMHeadModel.fromPretrained(source);
  const reloaded = await PeftModel.fromPretrained(base, dir);
  const again = tf.tidy(() => Array.from(base.forward({ inputIds: ids }).logits.dataSync().slice(0, 5)));
  console.log(
    'same logits after reload:',
    trained.every((v, i) => Math.abs(v - again[i]!) < 1e-5),
  );
  reloaded.dispose();
  base.dispose();
  return { log: trainer.logHistory, trained, again, adapterDir: dir };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await loraTrainer(process.argv[2], process.argv[3]);
}
