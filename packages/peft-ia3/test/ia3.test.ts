// IA³ against the PyTorch reference in test/fixtures (test/reference/ia3_reference.py, HF PEFT's math).
import '@gptft/backend-wasm';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';
import { getPeftMethod, getPeftModel, LoraLayer, loraConfig, PeftModel, peftMethods } from '@gptft/peft';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IA3, IA3Layer, ia3Config } from '../src/index.js';
import { expected, expectedArray, GPT2_TINY, IA3_FIXTURE, logitsOf, maxAbsDiff } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'gptft-ia3-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('IA3 (PyTorch reference adapter)', () => {
  it('is registered with @gptft/peft by importing the package', () => {
    expect(peftMethods()).toContain('IA3');
    expect(getPeftMethod('IA3')).toBe(IA3);
  });

  it('logits match PyTorch within 1e-4; outputs of c_attn and inputs of mlp.c_proj are scaled', async () => {
    const model = await GPT2Model.fromPretrained(GPT2_TINY);
    const baseLogits = logitsOf(model, model, expected.ids);
    const pm = await PeftModel.fromPretrained(model, IA3_FIXTURE);
    const want = await expectedArray('ia3.logits');
    expect(maxAbsDiff(logitsOf(pm, model, expected.ids), want)).toBeLessThan(1e-4);
    const wrapped = model
      .namedModules()
      .filter(([, m]) => m instanceof IA3Layer)
      .map(([n, m]) => [n, (m as IA3Layer).isFeedforward, (m as IA3Layer).ia3L.shape]);
    // attn.c_proj is not a target: 'mlp.c_proj' matches whole dotted components only
    expect(wrapped).toEqual([
      ['h.0.attn.c_attn', false, [192, 1]],
      ['h.0.mlp.c_proj', true, [1, 256]],
      ['h.1.attn.c_attn', false, [192, 1]],
      ['h.1.mlp.c_proj', true, [1, 256]],
    ]);
    expect(pm.peftConfig.default!.peft_type).toBe('IA3');
    // disableAdapter = the base model again
    pm.disableAdapter();
    expect(maxAbsDiff(logitsOf(pm, model, expected.ids), baseLogits)).toBe(0);
    expect(maxAbsDiff(baseLogits, want)).toBeGreaterThan(1e-2);
    pm.enableAdapter();
    expect(maxAbsDiff(logitsOf(pm, model, expected.ids), want)).toBeLessThan(1e-4);
    pm.dispose();
  });

  it('merge gives PyTorch’s merged weights; unmerge restores them; mergeAndUnload frees the vectors', async () => {
    const model = await GPT2Model.fromPretrained(GPT2_TINY);
    const original = new Map(model.namedParameters().map(([n, p]) => [n, p.dataSync().slice()]));
    const pm = await PeftModel.fromPretrained(model, IA3_FIXTURE);
    const want = await expectedArray('ia3.logits');
    pm.mergeAdapter();
    const param = (n: string) => model.getParameter(n.replace(/^(h\.\d+\.\w+\.\w+)\./, '$1.base_layer.'));
    for (let i = 0; i < 2; i++) {
      for (const name of [`h.${i}.attn.c_attn`, `h.${i}.mlp.c_proj`]) {
        for (const p of ['weight', 'bias']) {
          const got = param(`${name}.${p}`).dataSync();
          expect(maxAbsDiff(got, await expectedArray(`ia3.merged.${name}.${p}`))).toBeLessThan(1e-6);
        }
      }
      // feedforward (input scaling): the bias is not touched; output scaling: it is
      expect(
        maxAbsDiff(param(`h.${i}.mlp.c_proj.bias`).dataSync(), original.get(`h.${i}.mlp.c_proj.bias`)!),
      ).toBe(0);
      expect(
        maxAbsDiff(param(`h.${i}.attn.c_attn.bias`).dataSync(), original.get(`h.${i}.attn.c_attn.bias`)!),
      ).toBeGreaterThan(1e-3);
    }
    expect(maxAbsDiff(logitsOf(pm, model, expected.ids), want)).toBeLessThan(1e-4);
    pm.unmergeAdapter();
    for (const [n, v] of original) {
      const got = model.getParameter(n.replace(/^(h\.\d+\.(attn\.c_attn|mlp\.c_proj))\./, '$1.base_layer.'));
      // division by (l + 1e-8) is exact only up to float32 rounding (PEFT warns the same)
      expect(maxAbsDiff(got.dataSync(), v)).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(logitsOf(pm, model, expected.ids), want)).toBeLessThan(1e-4);

    const before = tf.memory().numTensors;
    const merged = pm.mergeAndUnload();
    expect(tf.memory().numTensors).toBe(before - 4); // the 4 IA³ vectors are freed
    expect(merged.namedParameters().map(([n]) => n)).toEqual([...original.keys()]);
    expect(
      maxAbsDiff(
        merged.getParameter('h.1.attn.c_attn.weight').dataSync(),
        await expectedArray('ia3.merged.h.1.attn.c_attn.weight'),
      ),
    ).toBeLessThan(1e-6);
    // the plain merged model computes the IA³ logits
    expect(maxAbsDiff(logitsOf(merged, merged, expected.ids), want)).toBeLessThan(1e-4);
    merged.dispose();
  });

  it('save → load is bit-exact with PEFT’s keys, shapes and config', async () => {
    const model = await GPT2Model.fromPretrained(GPT2_TINY);
    const pm = await PeftModel.fromPretrained(model, IA3_FIXTURE);
    const dir = join(tmp, 'saved');
    await pm.savePretrained(dir);
    const ref = await SafetensorsFile.open(join(IA3_FIXTURE, 'adapter_model.safetensors'));
    const got = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(got.names()).toEqual([
      'base_model.model.transformer.h.0.attn.c_attn.ia3_l',
      'base_model.model.transformer.h.0.mlp.c_proj.ia3_l',
      'base_model.model.transformer.h.1.attn.c_attn.ia3_l',
      'base_model.model.transformer.h.1.mlp.c_proj.ia3_l',
    ]);
    expect(got.names()).toEqual(ref.names());
    for (const k of ref.names()) {
      expect(got.info(k).shape).toEqual(ref.info(k).shape);
      expect(Buffer.from(got.getBytes(k)).equals(Buffer.from(ref.getBytes(k)))).toBe(true);
    }
    const refCfg = JSON.parse(await readFile(join(IA3_FIXTURE, 'adapter_config.json'), 'utf8'));
    const gotCfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
    expect(gotCfg).toEqual(refCfg);
    pm.dispose();

    // a fresh adapter saves PEFT's GPT-2 defaults into its config
    const m2 = await GPT2Model.fromPretrained(GPT2_TINY);
    const fresh = getPeftModel(m2, ia3Config({ task_type: 'CAUSAL_LM' }));
    await fresh.savePretrained(join(tmp, 'fresh'));
    const cfg = JSON.parse(await readFile(join(tmp, 'fresh', 'adapter_config.json'), 'utf8'));
    expect(cfg).toEqual({
      fan_in_fan_out: true, // PEFT turns it on for Conv1D
      feedforward_modules: ['mlp.c_proj'],
      inference_mode: true,
      init_ia3_weights: true,
      peft_type: 'IA3',
      target_modules: ['c_attn', 'mlp.c_proj'],
      task_type: 'CAUSAL_LM',
    });
    fresh.dispose();
  });

  it('starts as the unchanged model (vectors = 1); init_ia3_weights false draws N(0, 1)', async () => {
    const model = await GPT2Model.fromPretrained(GPT2_TINY);
    const base = logitsOf(model, model, expected.ids);
    const pm = getPeftModel(model, ia3Config());
    for (const [, v] of pm.stateDict()) expect(Array.from(v.dataSync()).every((x) => x === 1)).toBe(true);
    expect(maxAbsDiff(logitsOf(pm, model, expected.ids), base)).toBe(0); // bit-identical
    pm.unload();
    const pm2 = getPeftModel(model, ia3Config({ init_ia3_weights: false }), { seed: 5 });
    const v = Array.from(pm2.stateDict()[0]![1].dataSync());
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.25);
    expect(std).toBeGreaterThan(0.8);
    expect(std).toBeLessThan(1.2);
    pm2.dispose();
  });

  it('printTrainableParameters prints HF PEFT’s numbers for GPT-2 small with the default IA3Config', () => {
    // HF PEFT counts every parameter of the wrapped model: 124,439,808 base + per layer
    // c_attn (out 2304) + mlp.c_proj (in 3072) = 12 × 5,376 = 64,512 vectors entries.
    const model = new GPT2Model(new GPT2Config({}), { init: 'none' });
    const pm = getPeftModel(model, ia3Config());
    expect(pm.getNbTrainableParameters()).toEqual({ trainable: 64_512, all: 124_439_808 + 64_512 });
    // trainable% = 100 · 64,512 / 124,504,320 = 0.05181…
    expect(pm.trainableParametersLine()).toBe(
      'trainable params: 64,512 || all params: 124,504,320 || trainable%: 0.0518',
    );
    pm.dispose();
  });

  it('target rules: regex, exclude_modules, modules_to_save (saved under PEFT keys)', async () => {
    const model = new GPT2Model(
      new GPT2Config({ nLayer: 2, nHead: 2, nEmbd: 8, nPositions: 16, vocabSize: 20 }),
      {
        seed: 1,
      },
    );
    const pm = getPeftModel(
      model,
      ia3Config({
        target_modules: '.*\\.(c_attn|c_proj|c_fc)',
        feedforward_modules: '.*\\.mlp\\..*',
        exclude_modules: ['h.1.attn.c_proj'],
        modules_to_save: ['ln_f'],
      }),
    );
    const wrapped = model
      .namedModules()
      .filter(([, m]) => m instanceof IA3Layer)
      .map(([n, m]) => `${n}${(m as IA3Layer).isFeedforward ? ' (ff)' : ''}`);
    expect(wrapped).toEqual([
      'h.0.attn.c_attn',
      'h.0.attn.c_proj',
      'h.0.mlp.c_fc (ff)',
      'h.0.mlp.c_proj (ff)',
      'h.1.attn.c_attn',
      'h.1.mlp.c_fc (ff)',
      'h.1.mlp.c_proj (ff)',
    ]);
    const keys = pm.stateDict().map(([k]) => k);
    expect(keys).toContain('base_model.model.transformer.ln_f.weight');
    expect(keys).toContain('base_model.model.transformer.h.0.mlp.c_fc.ia3_l');
    await pm.savePretrained(join(tmp, 'mts'));
    const f = await SafetensorsFile.open(join(tmp, 'mts', 'adapter_model.safetensors'));
    expect(f.names()).toEqual(keys);
    pm.dispose();
  });

  it('refuses bad configs and files with errors naming the field, file and tensor', async () => {
    const model = await GPT2Model.fromPretrained(GPT2_TINY);
    const before = tf.memory().numTensors;
    expect(() => getPeftModel(model, ia3Config({ target_modules: ['q_proj'] }))).toThrow(
      /IA3: target_modules \["q_proj"\] matched no Conv1D layer/,
    );
    expect(() =>
      getPeftModel(model, { peft_type: 'IA3', target_modules: ['c_attn'], feedforward_modules: ['c_fc'] }),
    ).toThrow(/feedforward_modules: "c_fc" is not in target_modules/);
    // a layer that already carries LoRA
    const lora = getPeftModel(model, loraConfig({ r: 2, target_modules: ['c_attn'] }));
    expect(model.getSubmodule('h.0.attn.c_attn')).toBeInstanceOf(LoraLayer);
    expect(() => lora.addAdapter('ia3', ia3Config())).toThrow(
      /h\.0\.attn\.c_attn is a LoraLayer, not a Conv1D/,
    );
    lora.unload();
    expect(tf.memory().numTensors).toBe(before);

    // the fixture's vectors under a config that treats c_attn as feedforward: wrong shape
    const dir = join(tmp, 'bad');
    await mkdir(dir, { recursive: true });
    await copyFile(join(IA3_FIXTURE, 'adapter_model.safetensors'), join(dir, 'adapter_model.safetensors'));
    await writeFile(
      join(dir, 'adapter_config.json'),
      JSON.stringify({
        peft_type: 'IA3',
        target_modules: ['c_attn', 'mlp.c_proj'],
        feedforward_modules: ['c_attn'],
      }),
    );
    await expect(PeftModel.fromPretrained(model, dir)).rejects.toThrow(
      /adapter_model\.safetensors: tensor "base_model\.model\.transformer\.h\.0\.attn\.c_attn\.ia3_l" has shape \[192,1\] but the model needs \[1,64\]/,
    );
    expect(model.getSubmodule('h.0.attn.c_attn')).not.toBeInstanceOf(IA3Layer);
    expect(tf.memory().numTensors).toBe(before);
    await writeFile(
      join(dir, 'adapter_config.json'),
      JSON.stringify({ peft_type: 'IA3', init_ia3_weights: 1 }),
    );
    await expect(PeftModel.fromPretrained(model, dir)).rejects.toThrow(
      /adapter_config\.json: init_ia3_weights: /,
    );
    model.dispose();
  });
});
