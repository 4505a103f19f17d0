// The README quickstarts as a user writes them, against the packed tarballs only (see
// test/consumer.test.ts): load the fixture checkpoint, generate greedily, train a LoRA adapter for a
// few steps, save it, load it back. Prints one JSON line with what it saw.
//   node quickstart.js <fixtures/gpt2-tiny-ref> <adapter-dir>
import '@gptft/backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Scalar, tf, useBackend } from '@gptft/backend';
import { GPT2LMHeadModel, generate } from '@gptft/heads';
import { getPeftModel, loraConfig, PeftModel } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';

interface GreedyCase {
  prompt: string;
  prompt_ids: number[];
  greedy_ids: number[];
}

const [fixtures, adapterDir] = process.argv.slice(2);
if (!fixtures || !adapterDir) throw new Error('usage: node quickstart.js <fixtures> <adapter-dir>');
const folder = join(fixtures, 'gpt2-tiny');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
  greedy: GreedyCase[];
};

const backend = await useBackend('wasm');
const model = await GPT2LMHeadModel.fromPretrained(folder);
const tokenizer = await GPT2Tokenizer.fromPretrained(folder);

// Greedy generation (KV cache) against the ids PyTorch generated from the same checkpoint.
const greedy = expected.greedy.map((c) => {
  const ids = tokenizer.encode(c.prompt);
  const [out] = generate(model, [ids], { maxNewTokens: c.greedy_ids.length, eosTokenId: null });
  return {
    promptIds: ids,
    expectedPromptIds: c.prompt_ids,
    ids: out!.slice(ids.length),
    expected: c.greedy_ids,
  };
});

// LoRA: attach, a few Adam steps on one sentence, save the PEFT adapter.
const ids = tokenizer.encode('Hello, my name is John and I live in Paris.');
const peft = getPeftModel(
  model,
  loraConfig({ r: 4, lora_alpha: 8, target_modules: ['c_attn'], fan_in_fan_out: true, lora_dropout: 0 }),
  { seed: 1 },
);
const lossOf = (): Scalar =>
  tf.tidy(() => {
    const { loss } = peft.forward({ inputIds: [ids], labels: [ids] });
    return loss as Scalar;
  });
const evalLoss = () => {
  peft.eval(); // no dropout
  const loss = lossOf();
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
};
const lossBefore = evalLoss();
peft.train();
const optimizer = tf.train.adam(1e-2);
const losses: number[] = [];
for (let step = 0; step < 5; step++) {
  const loss = optimizer.minimize(lossOf, true, peft.trainableVariables())!;
  losses.push(loss.dataSync()[0]!);
  loss.dispose();
}
optimizer.dispose();
const lossAfter = evalLoss();
await peft.savePretrained(adapterDir);
const logitsOf = (m: { forward(input: { inputIds: number[][] }): { logits: tf.Tensor } }) =>
  tf.tidy(() => Array.from(m.forward({ inputIds: [ids] }).logits.dataSync()));
const trained = logitsOf(peft);

// Load it back onto a fresh copy of the base model: the same logits.
const reloaded = await PeftModel.fromPretrained(await GPT2LMHeadModel.fromPretrained(folder), adapterDir);
const again = logitsOf(reloaded);
const maxDiff = trained.reduce((m, v, i) => Math.max(m, Math.abs(v - again[i]!)), 0);
peft.dispose();
reloaded.dispose();

console.log(
  JSON.stringify({
    backend: backend.name,
    greedy,
    losses,
    lossBefore,
    lossAfter,
    logits: trained.length,
    maxDiff,
  }),
);
