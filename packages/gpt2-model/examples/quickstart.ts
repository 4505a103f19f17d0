// Load a Hugging Face GPT-2 folder (or a hub repo id such as 'gpt2'), run it, decode greedily
// with the KV cache, and save it back in the layout transformers loads.
//   npx tsx examples/quickstart.ts [folder-or-repo-id]
import '@gptft/backend-wasm';
import { matMul, tf, useBackend } from '@gptft/backend';
import { disposePast, GPT2Model, type PastKeyValues } from '@gptft/gpt2-model';

export async function quickstart(source: string, saveTo?: string): Promise<number[]> {
  await useBackend('wasm');
  const model = await GPT2Model.fromPretrained(source); // eval mode, float32
  console.log(`${model.config.nLayer} layers, ${model.numParameters().toLocaleString()} parameters`);

  // "Hello, my name is" in GPT-2 ids; 10 greedy tokens, one forward pass each, with the KV cache.
  let input = [[15496, 11, 616, 1438, 318]];
  let past: PastKeyValues | undefined;
  const generated: number[] = [];
  for (let step = 0; step < 10; step++) {
    const out = model.forward({ inputIds: input, pastKeyValues: past, useCache: true });
    disposePast(past); // the new cache holds the old one's keys/values
    past = out.pastKeyValues;
    const next = tf.tidy(() => {
      const t = out.lastHiddenState.shape[1];
      const last = tf.reshape(tf.slice(out.lastHiddenState, [0, t - 1, 0], [1, 1, -1]), [1, -1]); // [1, C]
      const logits = matMul(last, model.wte.weight, false, true); // tied LM head: [1, vocab]
      return tf.argMax(logits, -1).dataSync()[0]!;
    });
    out.lastHiddenState.dispose();
    generated.push(next);
    input = [[next]];
  }
  disposePast(past);
  console.log('greedy ids:', generated.join(' '));

  if (saveTo) await model.savePretrained(saveTo, { dtype: 'float16' }); // config.json + model.safetensors
  model.dispose();
  return generated;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const source =
    process.argv[2] ?? new URL('../../../fixtures/gpt2-tiny-ref/gpt2-tiny', import.meta.url).pathname;
  await quickstart(source);
}
