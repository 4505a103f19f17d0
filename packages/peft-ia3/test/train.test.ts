// IA³ trains on real text: validation loss falls, the frozen base stays bit-identical, nothing leaks.
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Model } from '@gptft/gpt2-model';
import { getPeftModel } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { readRepoData } from '@gptft/tooling/test-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { ia3Config } from '../src/index.js';
import { causalLoss, GPT2_TINY } from './helpers.js';

// tiny-shakespeare (public domain), in the repository as test-data/tiny-shakespeare.
const TEXT = readRepoData('tiny-shakespeare', 'input.txt.gz');

beforeAll(async () => {
  await useBackend('wasm');
});

describe('IA3 training on tiny-shakespeare', () => {
  it('lowers the validation loss; only the IA³ vectors change; numTensors stays flat', async () => {
    const tok = await GPT2Tokenizer.fromPretrained(GPT2_TINY);
    const ids = tok.encode(TEXT.slice(0, 20_000));
    const T = 32;
    const blocks: number[][] = [];
    for (let i = 0; i + T <= ids.length; i += T) blocks.push(ids.slice(i, i + T));
    const train = blocks.slice(0, 24);
    const val = blocks.slice(-8); // held out: never trained on

    const model = await GPT2Model.fromPretrained(GPT2_TINY);
    model.eval(); // no dropout: the loss curve is deterministic
    const baseBefore = model.namedParameters().map(([n, p]) => [n, p.dataSync().slice()] as const);
    const pm = getPeftModel(model, ia3Config());
    const vars = pm.trainableVariables();
    expect(pm.namedTrainableParameters().map(([k]) => k)).toEqual([
      'base_model.model.transformer.h.0.attn.c_attn.ia3_l',
      'base_model.model.transformer.h.0.mlp.c_proj.ia3_l',
      'base_model.model.transformer.h.1.attn.c_attn.ia3_l',
      'base_model.model.transformer.h.1.mlp.c_proj.ia3_l',
    ]);
    const evalLoss = () => tf.tidy(() => causalLoss(pm, model, val).dataSync()[0]!);
    const before = evalLoss();
    const opt = tf.train.adam(0.1);
    const counts: number[] = [];
    for (let step = 0; step < 12; step++) {
      const batch = train.slice(step * 2, step * 2 + 2);
      const l = opt.minimize(() => causalLoss(pm, model, batch), true, vars)!;
      l.dispose();
      counts.push(tf.memory().numTensors);
    }
    const after = evalLoss();
    // measured: 12.32 → 10.86 in 12 steps (the fixture model has random weights, so its logits are peaky)
    console.log(`IA3 val loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    expect(after).toBeLessThan(before - 0.5);
    expect(new Set(counts.slice(1)).size).toBe(1); // flat after Adam created its slots

    // the frozen base (whatever sits under base_layer) is bit-identical; the vectors moved
    const baseAfter = new Map(model.namedParameters().map(([n, p]) => [n.replace('.base_layer.', '.'), p]));
    for (const [n, v] of baseBefore) {
      expect(Buffer.from(baseAfter.get(n)!.dataSync().buffer).equals(Buffer.from(v.buffer))).toBe(true);
    }
    for (const v of vars) expect(Array.from(v.dataSync()).some((x) => x !== 1)).toBe(true);
    opt.dispose();
    pm.dispose();
  }, 300_000); // ~30 s on an idle machine; it now runs in every clone (the text is in test-data/)
});
