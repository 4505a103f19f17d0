// IA³ from its own package: register the method, attach it, train only its vectors with the Trainer,
// save a PEFT adapter, load it back onto a fresh base model, merge it into the weights.
//   npx tsx examples/peft-ia3.ts [gpt2-folder] [adapter-dir]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2LMHeadModel } from '@gptft/heads';
import { SafetensorsFile } from '@gptft/hub';
import { getPeftModel, PeftModel } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { type TrainableModel, Trainer } from '@gptft/trainer';
// #region register
// Importing the package registers peft_type "IA3" with @gptft/peft (registerPeftMethod(IA3)).
import { ia3Config } from '@gptft/peft-ia3';
// #endregion register

/** The tiny reference GPT-2 of the repository (2 layers, width 64, GPT-2's real vocabulary). */
const TINY_GPT2 = fileURLToPath(new URL('../../fixtures/gpt2-tiny-ref/gpt2-tiny/', import.meta.url));

const TEXT = `Now is the winter of our discontent
Made glorious summer by this sun of York;
And all the clouds that lour'd upon our house
In the deep bosom of the ocean buried.`;

export async function peftIA3(source = TINY_GPT2, adapterDir?: string, maxSteps = 10) {
  await useBackend('wasm');
  const model = await GPT2LMHeadModel.fromPretrained(source);
  model.eval(); // no dropout: the run is deterministic

  // #region attach
  // PEFT's IA3Config with its GPT-2 defaults: target_modules ['c_attn', 'mlp.c_proj'],
  // feedforward_modules ['mlp.c_proj'] (that vector scales the MLP's input, c_attn's its output).
  const peft = getPeftModel(model.transformer, ia3Config({ task_type: 'CAUSAL_LM' }));
  const trainableLine = peft.trainableParametersLine();
  console.log(trainableLine); // trainable params: 896 || all params: 3,325,632 || trainable%: 0.0269
  // #endregion attach

  // Blocks of 8 tokens, two per batch; labels = input ids (the LM head shifts them).
  const tokenizer = await GPT2Tokenizer.fromPretrained(source);
  const ids = tokenizer.encode(TEXT);
  const blocks: number[][] = [];
  for (let i = 0; i + 8 <= ids.length; i += 8) blocks.push(ids.slice(i, i + 8));
  const batches = [blocks.slice(0, 2), blocks.slice(2, 4)];

  // #region train
  // The Trainer sees the adapter's trainable variables under PEFT's key names, and a loss.
  const trainable: TrainableModel<number[][]> = {
    namedParameters: () => peft.namedTrainableParameters(),
    computeLoss: (batch) => model.forward({ inputIds: batch, labels: batch }).loss as tf.Scalar,
  };
  const outputDir = await mkdtemp(join(tmpdir(), 'gptft-ia3-'));
  const trainer = new Trainer({
    model: trainable,
    trainData: batches,
    args: {
      outputDir,
      maxSteps,
      learningRate: 0.1,
      loggingSteps: 1,
      saveSteps: 1000,
      lrSchedulerType: 'constant',
    },
    saveModel: (dir) => peft.savePretrained(dir), // checkpoints hold the IA³ vectors only
  });
  await trainer.train();
  trainer.optimizer.dispose();
  // #endregion train
  const losses = trainer.logHistory.filter((e) => e.loss !== undefined).map((e) => e.loss!);
  console.log(`loss ${losses[0]!.toFixed(4)} → ${losses[losses.length - 1]!.toFixed(4)}`);

  // #region save
  const dir = adapterDir ?? join(outputDir, 'adapter');
  await peft.savePretrained(dir); // adapter_config.json + adapter_model.safetensors, as HF PEFT writes them
  const keys = (await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'))).names();
  console.log(keys[0]); // base_model.model.transformer.h.0.attn.c_attn.ia3_l
  // #endregion save
  const probe = [blocks[0]!];
  const logitsOf = (m: GPT2LMHeadModel) => tf.tidy(() => m.forward({ inputIds: probe }).logits.dataSync());
  const trained = logitsOf(model);
  peft.dispose();
  model.dispose();

  // #region load
  // Later (or in Python with peft): a fresh base model + the adapter folder.
  const base = await GPT2LMHeadModel.fromPretrained(source);
  base.eval();
  const reloaded = await PeftModel.fromPretrained(base.transformer, dir);
  const again = logitsOf(base);
  const merged = reloaded.mergeAndUnload(); // base.transformer, now plain: W ← W ⊙ l, b ← b ⊙ l
  const afterMerge = logitsOf(base);
  console.log(
    `merged model has IA³ layers: ${merged.namedModules().some(([n]) => n.endsWith('.base_layer'))}`,
  );
  // #endregion load
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  const reloadDiff = maxDiff(trained, again);
  const mergeDiff = maxDiff(trained, afterMerge);
  console.log(`reloaded adapter: max |Δlogit| ${reloadDiff}; merged model: ${mergeDiff.toExponential(1)}`);
  base.dispose(); // frees the merged weights too (merged is base.transformer)
  return { trainableLine, losses, keys, reloadDiff, mergeDiff, adapterDir: dir };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await peftIA3(process.argv[2], process.argv[3]);
}
