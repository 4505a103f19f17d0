// Several adapters on the same layers (HF PEFT's per-adapter dicts): two LoRA adapters trained and
// switched, mixed-adapter batches (PEFT's `adapter_names`), and add_weighted_adapter against a
// PyTorch re-implementation of PEFT's arithmetic (test/reference/lora_weighted_reference.py).
import '@gptft/backend-wasm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Model } from '@gptft/gpt2-model';
import { GPT2LMHeadModel, generate } from '@gptft/heads';
import { SafetensorsFile } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPeftModel, LoraLayer, loraConfig, PeftModel } from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff, nextTokenLoss, tiedLogits } from './helpers.js';

const WEIGHTED = fileURLToPath(new URL('./fixtures/weighted/', import.meta.url));
let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'gptft-peft-multi-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function hidden(pm: PeftModel, ids: number[][]): Float32Array {
  return tf.tidy(() => pm.forward({ inputIds: ids }).lastHiddenState.dataSync() as Float32Array);
}

function train(pm: PeftModel, ids: number[], steps: number): void {
  pm.train();
  const opt = tf.train.adam(1e-2);
  for (let s = 0; s < steps; s++) {
    opt.minimize(
      () =>
        nextTokenLoss(
          tiedLogits(pm.baseModel, pm.forward({ inputIds: [ids] }).lastHiddenState),
          ids,
        ) as tf.Scalar,
      false,
      pm.trainableVariables(),
    );
  }
  opt.dispose();
  pm.eval();
}

const bytes = (v: tf.Tensor) => Buffer.from((v.dataSync() as Float32Array).slice().buffer);

describe('several LoRA adapters on the same layers', () => {
  it('trains two adapters on the same layers and switches between them; each keeps its weights, outputs and file', async () => {
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const ids = expected.lora.ids;
    const cfg = () => loraConfig({ r: 4, lora_alpha: 8, target_modules: ['c_attn', 'c_fc'] });
    const pm = getPeftModel(model, cfg(), { seed: 1 });
    train(pm, ids, 3);
    const hA = hidden(pm, [ids]);
    pm.addAdapter('b', cfg(), { seed: 2 });
    // both adapters live on the same layer, one entry per adapter name (PEFT's module paths)
    const layer = model.getSubmodule<LoraLayer>('h.0.attn.c_attn');
    expect(layer).toBeInstanceOf(LoraLayer);
    expect(layer.adapterNames()).toEqual(['default', 'b']);
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('h.0.attn.c_attn.lora_A.default.weight');
    expect(names).toContain('h.0.attn.c_attn.lora_B.b.weight');
    // training b leaves default's weights bit-identical
    const defaultWeights = pm.stateDict('default').map(([, v]) => bytes(v));
    pm.setAdapter('b');
    expect(pm.namedTrainableParameters().map(([k]) => k)).toEqual(pm.stateDict('b').map(([k]) => k));
    train(pm, [...ids].reverse(), 3);
    pm.stateDict('default').forEach(([k, v], i) => {
      expect(bytes(v).equals(defaultWeights[i]!), k).toBe(true);
    });
    const hB = hidden(pm, [ids]);
    expect(maxAbsDiff(hA, hB)).toBeGreaterThan(1e-4);
    pm.setAdapter('default');
    expect(maxAbsDiff(hidden(pm, [ids]), hA)).toBe(0);
    pm.setAdapter('b');
    expect(maxAbsDiff(hidden(pm, [ids]), hB)).toBe(0);
    // saved keys carry no adapter name (PEFT's rule); each folder reloads to its own outputs
    const dir = join(tmp, 'two');
    await pm.savePretrained(dir);
    const fb = await SafetensorsFile.open(join(dir, 'b', 'adapter_model.safetensors'));
    expect(fb.names()).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    const fresh = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const loaded = await PeftModel.fromPretrained(fresh, join(dir, 'b'), { adapterName: 'b' });
    await loaded.loadAdapter(dir, 'a');
    expect(maxAbsDiff(hidden(loaded, [ids]), hB)).toBe(0);
    loaded.setAdapter('a');
    expect(maxAbsDiff(hidden(loaded, [ids]), hA)).toBe(0);
    loaded.dispose();
    pm.dispose();
  });

  it('a mixed-adapter batch gives each row its adapter (PEFT adapter_names; __base__ = base); generate too', async () => {
    const lm = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(lm, join(WEIGHTED, 'a'), { adapterName: 'a' });
    await pm.loadAdapter(join(WEIGHTED, 'b'), 'b');
    const rows = [
      [15496, 11, 616, 1438, 318, 13],
      [464, 3290, 318, 257, 1643, 13],
      [40, 588, 257, 922, 1110, 11],
    ];
    const names = ['b', '__base__', 'a'];
    const logitsOf = (ids: number[][], adapterNames?: string[]) =>
      tf.tidy(() =>
        pm
          .forward({ inputIds: ids, ...(adapterNames && { adapterNames }) })
          .logits.dataSync()
          .slice(),
      );
    const mixed = logitsOf(rows, names);
    const per = names.map((n, i) => {
      if (n === '__base__') pm.disableAdapter();
      else pm.setAdapter(n);
      const out = logitsOf([rows[i]!]);
      pm.enableAdapter();
      return out;
    });
    const v = per[0]!.length;
    for (const [i, want] of per.entries()) {
      expect(maxAbsDiff(mixed.slice(i * v, (i + 1) * v), want), names[i]).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(per[0]!, per[2]!)).toBeGreaterThan(1e-3);
    // generate: one batch, three adapters, the tokens each row decodes alone
    const together = pm.withAdapterNames(names, () => generate(lm, rows, { maxNewTokens: 6 }));
    names.forEach((n, i) => {
      if (n === '__base__') pm.disableAdapter();
      else pm.setAdapter(n);
      expect(generate(lm, [rows[i]!], { maxNewTokens: 6 })[0], n).toEqual(together[i]);
      pm.enableAdapter();
    });
    // inference only; the batch must match; merged adapters refuse
    expect(() => pm.forward({ inputIds: rows, adapterNames: ['a', 'b'] })).toThrow(
      /adapterNames has 2 entries but the batch has 3 rows/,
    );
    expect(() => pm.forward({ inputIds: rows, adapterNames: ['a', 'b', 'nope'] })).toThrow(
      /no adapter "nope"/,
    );
    pm.train();
    expect(() => pm.forward({ inputIds: rows, adapterNames: names })).toThrow(/inference/);
    pm.eval();
    const before = tf.memory().numTensors;
    logitsOf(rows, names);
    expect(tf.memory().numTensors).toBe(before);
    pm.dispose();
  });

  it('a mixed batch of LoRA rows beside a bottleneck adapter: allowed while the bottleneck is off and not named', async () => {
    const lm = await GPT2LMHeadModel.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(lm, join(WEIGHTED, 'a'), { adapterName: 'a' });
    await pm.loadAdapter(fileURLToPath(new URL('./fixtures/bottleneck/houlsby', import.meta.url)), 'bn');
    const rows = [
      [15496, 11, 616, 1438, 318, 13],
      [464, 3290, 318, 257, 1643, 13],
    ];
    const names = ['a', '__base__'];
    const logitsOf = (ids: number[][], adapterNames?: string[]) =>
      tf.tidy(() =>
        pm
          .forward({ inputIds: ids, ...(adapterNames && { adapterNames }) })
          .logits.dataSync()
          .slice(),
      );
    // the bottleneck adapter active: its layers would change every row, so the mixed batch is refused
    pm.setAdapter('bn');
    expect(() => logitsOf(rows, names)).toThrow(/AdapterBlock, which cannot run a mixed-adapter batch/);
    // switched off (or another adapter active), its layers pass through: the LoRA rows mix
    for (const off of [() => pm.disableAdapter(), () => pm.setAdapter('a')]) {
      pm.enableAdapter();
      off();
      const mixed = logitsOf(rows, names);
      pm.enableAdapter();
      pm.setAdapter('a');
      const wantA = logitsOf([rows[0]!]);
      pm.disableAdapter();
      const wantBase = logitsOf([rows[1]!]);
      pm.enableAdapter();
      const v = wantA.length;
      expect(maxAbsDiff(mixed.slice(0, v), wantA)).toBeLessThan(1e-5);
      expect(maxAbsDiff(mixed.slice(v), wantBase)).toBeLessThan(1e-5);
    }
    // naming it is refused whatever is active
    pm.disableAdapter();
    expect(() => logitsOf(rows, ['bn', '__base__'])).toThrow(/cannot run a mixed-adapter batch/);
    pm.dispose();
  });

  it('addWeightedAdapter: linear, cat and svd write what HF PEFT computes (PyTorch re-implementation)', async () => {
    const ref = await SafetensorsFile.open(join(WEIGHTED, 'expected.safetensors'));
    const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const pm = await PeftModel.fromPretrained(model, join(WEIGHTED, 'a'), { adapterName: 'a' });
    await pm.loadAdapter(join(WEIGHTED, 'b'), 'b');
    for (const type of ['linear', 'cat', 'svd'] as const) {
      pm.addWeightedAdapter(['a', 'b'], [0.7, -0.4], type, { combinationType: type });
      const cfg = pm.peftConfig[type]!;
      expect(cfg.r).toBe(type === 'cat' ? 8 : 4);
      expect(cfg.lora_alpha).toBe(cfg.r);
      expect([...(cfg.target_modules as string[])].sort()).toEqual(['c_attn', 'c_fc']);
      for (const i of [0, 1]) {
        for (const sub of ['attn.c_attn', 'mlp.c_fc']) {
          const layer = model.getSubmodule<LoraLayer>(`h.${i}.${sub}`);
          const key = `${type}.transformer.h.${i}.${sub}`;
          if (type === 'svd') {
            const d = layer.deltaWeight('svd');
            expect(maxAbsDiff(d.dataSync(), ref.getFloat32(`${key}.delta`)), key).toBeLessThan(1e-5);
            d.dispose();
          } else {
            expect(
              maxAbsDiff(layer.loraAOf(type).dataSync(), ref.getFloat32(`${key}.lora_A`)),
              key,
            ).toBeLessThan(1e-6);
            expect(
              maxAbsDiff(layer.loraBOf(type).dataSync(), ref.getFloat32(`${key}.lora_B`)),
              key,
            ).toBeLessThan(1e-6);
          }
        }
      }
    }
    // the combination is an adapter like any other: switch to it, it is not trainable
    pm.setAdapter('linear');
    expect(pm.namedTrainableParameters()).toEqual([]);
    expect(() =>
      pm.addWeightedAdapter(['a', 'b'], [1, 1], 'x', { combinationType: 'linear', svdRank: 2 }),
    ).not.toThrow();
    expect(() => pm.addWeightedAdapter(['a'], [1, 2], 'y')).toThrow(/one weight per adapter/);
    pm.dispose();
  });
});
