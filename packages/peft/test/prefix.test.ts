// Prefix tuning against PEFT's fixture adapter (numbers from PyTorch).
import '@gptft/backend-wasm';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPeftModel, PeftModel, prefixTuningConfig } from '../src/index.js';
import { expected, expectedArray, FIXTURES, maxAbsDiff, nextTokenLoss, tiedLogits } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'gptft-peft-prefix-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('prefix tuning (fixture adapter from PEFT)', () => {
  it('logits match PyTorch within 1e-4; no leaks; save → reload bit-exact', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(model, `${FIXTURES}prefix`);
    const ids = expected.prefix.ids;
    const want = await expectedArray('prefix.logits');
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = pm.forward({ inputIds: [ids] });
      const logits = tiedLogits(model, out.lastHiddenState);
      expect(maxAbsDiff(logits.dataSync(), want)).toBeLessThan(1e-4);
      tf.dispose([logits, out.lastHiddenState]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);

    const dir = join(tmp, 'saved');
    await pm.savePretrained(dir);
    const ref = await SafetensorsFile.open(`${FIXTURES}prefix/adapter_model.safetensors`);
    const got = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(got.names()).toEqual(['prompt_embeddings']);
    expect(
      Buffer.from(got.getBytes('prompt_embeddings')).equals(Buffer.from(ref.getBytes('prompt_embeddings'))),
    ).toBe(true);
    const refCfg = JSON.parse(await readFile(`${FIXTURES}prefix/adapter_config.json`, 'utf8'));
    expect(JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'))).toEqual(refCfg);
    expect(() => pm.mergeAndUnload()).toThrow(/PREFIX_TUNING adapters cannot be merged/);
    pm.dispose();
  });

  it('trains only prompt_embeddings; the config gets the model dimensions', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const snapshot = model.namedParameters().map(([n, p]) => [n, p.dataSync().slice()] as const);
    const pm = getPeftModel(model, prefixTuningConfig({ num_virtual_tokens: 3 }));
    const cfg = pm.peftConfig.default!;
    expect(cfg).toMatchObject({ num_layers: 2, num_attention_heads: 4, token_dim: 64 });
    expect(pm.trainableParametersLine()).toMatch(/^trainable params: 768 \|\| all params: /);
    const vars = pm.trainableVariables();
    expect(vars.length).toBe(1);
    const before = vars[0]!.dataSync().slice();
    const ids = expected.prefix.ids;
    const opt = tf.train.adam(1e-2);
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) {
      const l = opt.minimize(
        () => {
          const out = pm.forward({ inputIds: [ids] });
          return nextTokenLoss(tiedLogits(model, out.lastHiddenState), ids) as tf.Scalar;
        },
        true,
        vars,
      )!;
      losses.push(l.dataSync()[0]!);
      l.dispose();
    }
    expect(losses[2]).toBeLessThan(losses[0]!);
    expect(maxAbsDiff(vars[0]!.dataSync(), before)).toBeGreaterThan(0);
    for (const [n, data] of snapshot) {
      expect(Buffer.from(model.getParameter(n).dataSync().buffer).equals(Buffer.from(data.buffer)), n).toBe(
        true,
      );
    }
    opt.dispose();
    pm.dispose();
  });

  it('prefix_projection: the MLP trains, and the saved projected table reproduces the logits', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = getPeftModel(
      model,
      prefixTuningConfig({ num_virtual_tokens: 3, prefix_projection: true, encoder_hidden_size: 16 }),
    );
    expect(pm.namedTrainableParameters().map(([k]) => k)).toEqual([
      'prompt_encoder.embedding.weight',
      'prompt_encoder.transform.0.weight',
      'prompt_encoder.transform.0.bias',
      'prompt_encoder.transform.2.weight',
      'prompt_encoder.transform.2.bias',
    ]);
    // PEFT: 3·64 + (16·64 + 16) + (256·16 + 256)
    expect(pm.getNbTrainableParameters().trainable).toBe(3 * 64 + 16 * 64 + 16 + 256 * 16 + 256);
    const ids = expected.prefix.ids;
    const vars = pm.trainableVariables();
    const before = vars.map((v) => v.dataSync().slice());
    const opt = tf.train.adam(1e-2);
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) {
      const l = opt.minimize(
        () =>
          nextTokenLoss(tiedLogits(model, pm.forward({ inputIds: [ids] }).lastHiddenState), ids) as tf.Scalar,
        true,
        vars,
      )!;
      losses.push(l.dataSync()[0]!);
      l.dispose();
    }
    expect(losses[2]).toBeLessThan(losses[0]!);
    for (let i = 0; i < vars.length; i++)
      expect(maxAbsDiff(vars[i]!.dataSync(), before[i]!)).toBeGreaterThan(0);
    pm.eval();
    const out = pm.forward({ inputIds: [ids] });
    const trained = tiedLogits(model, out.lastHiddenState);
    const dir = join(tmp, 'proj');
    await pm.savePretrained(dir);
    const f = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(f.names()).toEqual(['prompt_embeddings']);
    expect(f.info('prompt_embeddings').shape).toEqual([3, 256]);
    pm.unload();
    const pm2 = await PeftModel.fromPretrained(model, dir);
    expect(pm2.peftConfig.default!.prefix_projection).toBe(true);
    const out2 = pm2.forward({ inputIds: [ids] });
    const reloaded = tiedLogits(model, out2.lastHiddenState);
    expect(maxAbsDiff(reloaded.dataSync(), trained.dataSync())).toBeLessThan(1e-5);
    tf.dispose([out.lastHiddenState, out2.lastHiddenState, trained, reloaded]);
    opt.dispose();
    pm2.dispose();
  });

  it('named adapters: a LoRA and a prefix adapter on one model, switched with setAdapter, saved in sub-folders', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(model, `${FIXTURES}lora`);
    await pm.loadAdapter(`${FIXTURES}prefix`, 'prefix');
    const ids = expected.prefix.ids;
    const logitsOf = () => {
      const out = pm.forward({ inputIds: [ids] });
      const l = tiedLogits(model, out.lastHiddenState);
      const d = l.dataSync();
      tf.dispose([l, out.lastHiddenState]);
      return d;
    };
    expect(pm.activeAdapter).toBe('default');
    expect(maxAbsDiff(logitsOf(), await expectedArray('lora.logits'))).toBeLessThan(1e-4);
    pm.setAdapter('prefix');
    expect(maxAbsDiff(logitsOf(), await expectedArray('prefix.logits'))).toBeLessThan(1e-4);
    expect(() => pm.setAdapter('nope')).toThrow(/no adapter "nope" \(adapters: default, prefix\)/);
    const dir = join(tmp, 'multi');
    await pm.savePretrained(dir);
    const sub = await SafetensorsFile.open(join(dir, 'prefix', 'adapter_model.safetensors'));
    expect(sub.names()).toEqual(['prompt_embeddings']);
    const top = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(top.names()[0]).toBe('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    pm.dispose();
  });
});
