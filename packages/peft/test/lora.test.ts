// LoRA against PEFT's fixture adapter: numbers in fixtures/gpt2-tiny-ref come from PyTorch + PEFT's math.
import '@gptft/backend-wasm';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPeftModel, isLoraTarget, LoraLayer, loraConfig, PeftModel } from '../src/index.js';
import { expected, expectedArray, FIXTURES, maxAbsDiff, nextTokenLoss, tiedLogits } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'gptft-peft-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function loraLogits(pm: PeftModel, ids: number[]): Promise<Float32Array> {
  const out = pm.forward({ inputIds: [ids] });
  const logits = tiedLogits(pm.baseModel, out.lastHiddenState);
  const data = logits.dataSync() as Float32Array;
  logits.dispose();
  out.lastHiddenState.dispose();
  return data;
}

describe('LoRA (fixture adapter from PEFT)', () => {
  it('logits match PyTorch within 1e-4, and mergeAndUnload gives the fixture merged weights', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(model, `${FIXTURES}lora`);
    const ids = expected.lora.ids;
    const want = await expectedArray('lora.logits');
    expect(maxAbsDiff(await loraLogits(pm, ids), want)).toBeLessThan(1e-4);
    expect(model.getSubmodule('h.0.attn.c_attn')).toBeInstanceOf(LoraLayer);
    expect(pm.peftConfig.default!.peft_type).toBe('LORA');

    // disableAdapter = base model: logits differ from the LoRA ones
    pm.disableAdapter();
    const base = await loraLogits(pm, ids);
    expect(maxAbsDiff(base, want)).toBeGreaterThan(1e-3);
    pm.enableAdapter();

    // merge / unmerge round trip (forward with merged weights equals the unmerged forward)
    pm.mergeAdapter();
    expect(maxAbsDiff(await loraLogits(pm, ids), want)).toBeLessThan(1e-4);
    pm.unmergeAdapter();
    expect(maxAbsDiff(await loraLogits(pm, ids), want)).toBeLessThan(1e-4);

    const before = tf.memory().numTensors;
    const merged = pm.mergeAndUnload();
    expect(merged.getSubmodule('h.0.attn.c_attn')).not.toBeInstanceOf(LoraLayer);
    expect(tf.memory().numTensors).toBe(before - 4); // the 4 LoRA tensors are freed
    for (let i = 0; i < 2; i++) {
      const w = merged.getParameter(`h.${i}.attn.c_attn.weight`).dataSync();
      expect(
        maxAbsDiff(w, await expectedArray(`lora.merged.transformer.h.${i}.attn.c_attn.weight`)),
      ).toBeLessThan(1e-6);
    }
    expect(merged.namedParameters().map(([n]) => n)).toEqual(
      (await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`)).namedParameters().map(([n]) => n),
    );
    // the merged plain model computes the LoRA logits
    const out = merged.forward({ inputIds: [ids] });
    const logits = tiedLogits(merged, out.lastHiddenState);
    expect(maxAbsDiff(logits.dataSync(), want)).toBeLessThan(1e-4);
    tf.dispose([logits, out.lastHiddenState]);
    merged.dispose();
  });

  it('save → reload is bit-exact with PEFT keys and config', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(model, `${FIXTURES}lora`);
    const dir = join(tmp, 'saved-lora');
    await pm.savePretrained(dir);
    const ref = await SafetensorsFile.open(`${FIXTURES}lora/adapter_model.safetensors`);
    const got = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(got.names()).toEqual(ref.names());
    expect(got.names()[0]).toBe('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    for (const k of ref.names()) {
      expect(got.info(k).shape).toEqual(ref.info(k).shape);
      expect(Buffer.from(got.getBytes(k)).equals(Buffer.from(ref.getBytes(k)))).toBe(true);
    }
    const refCfg = JSON.parse(await readFile(`${FIXTURES}lora/adapter_config.json`, 'utf8'));
    const gotCfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
    expect(gotCfg).toMatchObject(refCfg);
    expect(Object.keys(gotCfg)).toEqual([...Object.keys(gotCfg)].sort());

    const m2 = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm2 = await PeftModel.fromPretrained(m2, dir);
    const a = pm.stateDict();
    const b = pm2.stateDict();
    expect(b.map(([k]) => k)).toEqual(a.map(([k]) => k));
    for (let i = 0; i < a.length; i++) {
      expect(Buffer.from(b[i]![1].dataSync().buffer).equals(Buffer.from(a[i]![1].dataSync().buffer))).toBe(
        true,
      );
    }
    pm.dispose();
    pm2.dispose();
  });

  it('a bad adapter file is refused naming the file and tensor, and leaves the model unchanged', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const before = tf.memory().numTensors;
    await expect(PeftModel.fromPretrained(model, `${FIXTURES}prefix-missing`)).rejects.toThrow(
      /adapter_config\.json/,
    );
    const cfg = loraConfig({ r: 8, target_modules: ['c_attn'] });
    const dir = join(tmp, 'bad-r');
    const pm = getPeftModel(model, cfg);
    await pm.savePretrained(dir);
    pm.unload();
    expect(tf.memory().numTensors).toBe(before);
    // r=8 weights under an r=4 config
    const { writeFile, copyFile } = await import('node:fs/promises');
    await copyFile(`${FIXTURES}lora/adapter_config.json`, join(dir, 'adapter_config.json'));
    await expect(PeftModel.fromPretrained(model, dir)).rejects.toThrow(
      /adapter_model\.safetensors: tensor "base_model\.model\.transformer\.h\.0\.attn\.c_attn\.lora_A\.weight" has shape \[8,64\]/,
    );
    expect(model.getSubmodule('h.0.attn.c_attn')).not.toBeInstanceOf(LoraLayer);
    expect(tf.memory().numTensors).toBe(before);
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: -1 }));
    await expect(PeftModel.fromPretrained(model, dir)).rejects.toThrow(/adapter_config\.json: r: /);
    model.dispose();
  });

  it('config: defaults, scaling, regex targets, layers_to_transform', () => {
    const model = new GPT2Model(
      new GPT2Config({ nLayer: 3, nHead: 2, nEmbd: 16, nPositions: 32, vocabSize: 50 }),
      {
        seed: 1,
      },
    );
    const pm = getPeftModel(
      model,
      loraConfig({ r: 2, lora_alpha: 4, target_modules: '.*\\.(c_attn|c_proj)', layers_to_transform: [1] }),
    );
    const wrapped = model
      .namedModules()
      .filter(([, m]) => m instanceof LoraLayer)
      .map(([n]) => n);
    expect(wrapped).toEqual(['h.1.attn.c_attn', 'h.1.attn.c_proj', 'h.1.mlp.c_proj']);
    expect((model.getSubmodule('h.1.attn.c_attn') as LoraLayer).scaling).toBe(2);
    // a list entry may be the full HF module name, as PEFT matches it
    expect(
      isLoraTarget('h.0.attn.c_attn', loraConfig({ target_modules: ['transformer.h.0.attn.c_attn'] })),
    ).toBe(true);
    expect(
      isLoraTarget('h.1.attn.c_attn', loraConfig({ target_modules: ['transformer.h.0.attn.c_attn'] })),
    ).toBe(false);
    expect(isLoraTarget('h.0.attn.c_attn', loraConfig({ target_modules: ['attn.c_attn'] }))).toBe(true);
    const rs = loraConfig({ r: 4, lora_alpha: 8, use_rslora: true });
    expect(rs.target_modules).toBeUndefined();
    expect(() => loraConfig({ r: 0 })).toThrow(/LoraConfig: r:/);
    expect(() => loraConfig({ bias: 'some' as 'all' })).toThrow(/bias/);
    // B = 0 at init: the model is unchanged; A is kaiming-uniform U(−1/√in, 1/√in)
    const l = model.getSubmodule('h.1.attn.c_attn') as LoraLayer;
    expect(Array.from(l.loraB.dataSync()).every((v) => v === 0)).toBe(true);
    const a = l.loraA.dataSync();
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(1 / 4);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.15);
    pm.dispose();
  });

  it('printTrainableParameters prints PEFT’s numbers for GPT-2 small, r=8 on c_attn', () => {
    // HF PEFT prints "trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364"
    // for gpt2 with LoraConfig(r=8) (12 × (768·8 + 8·2304) = 294,912; 124,439,808 base params).
    const model = new GPT2Model(new GPT2Config({}), { init: 'none' });
    const pm = getPeftModel(model, loraConfig({ r: 8, target_modules: ['c_attn'] }));
    expect(pm.trainableParametersLine()).toBe(
      'trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364',
    );
    pm.dispose();
  });

  it('a training step changes only the LoRA parameters; no tensor leaks', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const baseBefore = model.namedParameters().map(([n, p]) => [n, p.dataSync().slice()] as const);
    const pm = getPeftModel(
      model,
      loraConfig({ r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ['c_attn', 'c_fc'] }),
      {
        seed: 3,
      },
    );
    pm.train();
    model.setSeed(2); // reproducible dropout masks
    const ids = expected.lora.ids;
    const vars = pm.trainableVariables();
    expect(pm.namedTrainableParameters().map(([k]) => k)).toContain(
      'base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight',
    );
    expect(vars.length).toBe(8);
    const loraBefore = vars.map((v) => v.dataSync().slice());
    const opt = tf.train.adam(1e-2);
    const loss = () => {
      const out = pm.forward({ inputIds: [ids] });
      const l = nextTokenLoss(tiedLogits(model, out.lastHiddenState), ids);
      return l as tf.Scalar;
    };
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      const l = opt.minimize(loss, true, vars)!;
      losses.push(l.dataSync()[0]!);
      l.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(counts[3]).toBe(counts[1]);
    expect(losses[3]).toBeLessThan(losses[0]!);
    vars.forEach((v, i) => {
      expect(maxAbsDiff(v.dataSync(), loraBefore[i]!), `LoRA parameter ${i}`).toBeGreaterThan(0);
    });
    pm.unload(); // base layers back in place: names as before
    for (const [n, data] of baseBefore) {
      expect(Buffer.from(model.getParameter(n).dataSync().buffer).equals(Buffer.from(data.buffer)), n).toBe(
        true,
      );
    }
    opt.dispose();
    model.dispose();
  });

  it('forward passes do not leak tensors', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(model, `${FIXTURES}lora`);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = pm.forward({ inputIds: [expected.lora.ids] });
      out.lastHiddenState.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    pm.dispose();
  });

  it('modules_to_save: the module trains, is saved with PEFT key names and is restored on unload', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const lnBefore = model.getParameter('ln_f.weight').dataSync().slice();
    const base = model.numParameters();
    const pm = getPeftModel(
      model,
      loraConfig({ r: 4, target_modules: ['c_attn'], modules_to_save: ['ln_f'] }),
    );
    // PEFT: trainable = LoRA (2 × (64·4 + 4·192)) + ln_f (128); all adds the trainable copy of ln_f
    expect(pm.trainableParametersLine()).toBe(
      `trainable params: ${(2048 + 128).toLocaleString('en-US')} || all params: ${(base + 2048 + 128).toLocaleString('en-US')} || trainable%: ${((100 * 2176) / (base + 2176)).toFixed(4)}`,
    );
    pm.train();
    const ids = expected.lora.ids;
    const opt = tf.train.adam(1e-2);
    for (let s = 0; s < 2; s++) {
      const l = opt.minimize(
        () =>
          nextTokenLoss(tiedLogits(model, pm.forward({ inputIds: [ids] }).lastHiddenState), ids) as tf.Scalar,
        true,
        pm.trainableVariables(),
      )!;
      l.dispose();
    }
    const lnTrained = model.getParameter('ln_f.weight').dataSync().slice();
    expect(maxAbsDiff(lnTrained, lnBefore)).toBeGreaterThan(0);
    const dir = join(tmp, 'mts');
    await pm.savePretrained(dir);
    const f = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(f.names()).toContain('base_model.model.transformer.ln_f.weight');
    expect(f.names()).toContain('base_model.model.transformer.ln_f.bias');
    pm.unload();
    expect(
      Buffer.from(model.getParameter('ln_f.weight').dataSync().buffer).equals(Buffer.from(lnBefore.buffer)),
    ).toBe(true);
    const pm2 = await PeftModel.fromPretrained(model, dir);
    expect(maxAbsDiff(model.getParameter('ln_f.weight').dataSync(), lnTrained)).toBe(0);
    opt.dispose();
    pm2.dispose();
  });
});
