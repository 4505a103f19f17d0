// Bottleneck adapters against a PyTorch reference of AdapterHub's adapter math
// (test/reference/bottleneck_reference.py wrote test/fixtures/bottleneck/*).
import '@gptft/backend-wasm';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Block, GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdapterBlock,
  bottleneckConfig,
  getPeftModel,
  houlsbyConfig,
  loraConfig,
  PeftModel,
  pfeifferConfig,
} from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff, nextTokenLoss, tiedLogits } from './helpers.js';

const REF = fileURLToPath(new URL('./fixtures/bottleneck/', import.meta.url));
const VARIANTS = ['houlsby', 'pfeiffer', 'gelu-scaled-leave-out'];

let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'gptft-bottleneck-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function hidden(pm: PeftModel | GPT2Model, ids: number[]): Float32Array {
  const out = pm.forward({ inputIds: [ids] });
  const data = out.lastHiddenState.dataSync() as Float32Array;
  out.lastHiddenState.dispose();
  return data;
}

function tinyModel(seed = 3): GPT2Model {
  return new GPT2Model(new GPT2Config({ vocabSize: 97, nPositions: 32, nEmbd: 32, nLayer: 2, nHead: 4 }), {
    seed,
  }).eval();
}

describe('bottleneck adapters (AdapterHub layout)', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: hidden states and logits match the PyTorch reference within 1e-4`, async () => {
      const model = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
      const ids = expected.lora.ids;
      const base = hidden(model, ids);
      const pm = await PeftModel.fromPretrained(model, join(REF, variant));
      const ref = await SafetensorsFile.open(join(REF, variant, 'expected.safetensors'));
      const got = hidden(pm, ids);
      expect(maxAbsDiff(got, ref.getFloat32('hidden'))).toBeLessThan(1e-4);
      expect(maxAbsDiff(got, base)).toBeGreaterThan(1e-2);
      const out = pm.forward({ inputIds: [ids] });
      const logits = tiedLogits(model, out.lastHiddenState);
      const v = model.config.vocabSize;
      const last = (logits.dataSync() as Float32Array).slice((ids.length - 1) * v);
      expect(maxAbsDiff(last, ref.getFloat32('last_logits'))).toBeLessThan(1e-4);
      tf.dispose([logits, out.lastHiddenState]);

      // disableAdapter = the base model exactly; enable again = the adapter
      pm.disableAdapter();
      expect(maxAbsDiff(hidden(pm, ids), base)).toBe(0);
      pm.enableAdapter();
      expect(maxAbsDiff(hidden(pm, ids), got)).toBe(0);

      // save → reload: same keys, same bytes, same config
      const dir = join(tmp, `rt-${variant}`);
      await pm.savePretrained(dir);
      const a = await SafetensorsFile.open(join(REF, variant, 'adapter_model.safetensors'));
      const b = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
      expect(b.names().sort()).toEqual(a.names().sort());
      for (const k of a.names()) {
        expect(Buffer.from(b.getFloat32(k).buffer).equals(Buffer.from(a.getFloat32(k).buffer))).toBe(true);
      }
      const cfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
      const refCfg = JSON.parse(await readFile(join(REF, variant, 'adapter_config.json'), 'utf8'));
      for (const [k, val] of Object.entries(refCfg)) expect(cfg[k]).toEqual(val);
      expect(cfg.inference_mode).toBe(true);

      // unload puts the original GPT2Block objects back and frees the adapter tensors
      const before = tf.memory().numTensors;
      const n = pm.stateDict().length;
      const plain = pm.unload();
      expect(plain.getSubmodule('h.0')).toBeInstanceOf(GPT2Block);
      expect(tf.memory().numTensors).toBe(before - n);
      expect(maxAbsDiff(hidden(plain, ids), base)).toBe(0);
      plain.dispose();
    });
  }

  it('init: zero up-projection, so logits equal the base model’s exactly; Houlsby/Pfeiffer placement and sizes', () => {
    const model = tinyModel();
    const ids = [1, 5, 9, 33, 2, 7];
    const base = hidden(model, ids);
    const pm = getPeftModel(model, houlsbyConfig({ reduction_factor: 8 }), { seed: 1 });
    expect(model.getSubmodule('h.1')).toBeInstanceOf(AdapterBlock);
    expect(maxAbsDiff(hidden(pm, ids), base)).toBe(0);
    const keys = pm.stateDict().map(([k, v]) => `${k} [${v.shape}]`);
    expect(keys).toContain(
      'base_model.model.transformer.h.0.attention_adapters.adapters.default.adapter_down.0.weight [4,32]',
    );
    expect(keys).toContain(
      'base_model.model.transformer.h.1.output_adapters.adapters.default.adapter_up.weight [32,4]',
    );
    expect(keys).toHaveLength(2 * 2 * 4);
    // base parameter names unchanged; adapter parameters under AdapterHub's module paths
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('h.0.attn.c_attn.weight');
    expect(names).toContain('h.1.attention_adapters.adapters.default.adapter_up.bias');
    // trainable: per adapter (32·4 + 4) + (4·32 + 32) = 292; 4 adapters
    expect(pm.getNbTrainableParameters().trainable).toBe(4 * 292);
    pm.dispose();

    const m2 = tinyModel();
    const pf = getPeftModel(m2, pfeifferConfig({ reduction_factor: { 1: 4, default: 16 } }), { seed: 2 });
    expect(maxAbsDiff(hidden(pf, ids), base)).toBe(0);
    const shapes = Object.fromEntries(
      pf.stateDict().map(([k, v]) => [k.replace('base_model.model.transformer.', ''), v.shape]),
    );
    expect(Object.keys(shapes).some((k) => k.includes('attention_adapters'))).toBe(false);
    expect(shapes['h.0.output_adapters.adapters.default.adapter_down.0.weight']).toEqual([2, 32]);
    expect(shapes['h.1.output_adapters.adapters.default.adapter_down.0.weight']).toEqual([8, 32]);
    pf.dispose();
  });

  it('merging is refused with a clear error; config errors name the field', () => {
    const model = tinyModel();
    const pm = getPeftModel(model, houlsbyConfig());
    expect(() => pm.mergeAdapter()).toThrow(/BOTTLENECK adapters cannot be merged.*non-linear/);
    expect(() => pm.mergeAndUnload()).toThrow(/cannot be merged/);
    expect(() => pm.unmergeAdapter()).toThrow(/cannot be merged/);
    pm.dispose();
    expect(() =>
      bottleneckConfig({
        mh_adapter: true,
        output_adapter: true,
        reduction_factor: 16,
        non_linearity: 'cube',
      }),
    ).toThrow(/non_linearity/);
    expect(() => houlsbyConfig({ is_parallel: true })).toThrow(
      /is_parallel: parallel adapters are not implemented/,
    );
    expect(() => houlsbyConfig({ reduction_factor: -2 })).toThrow(/reduction_factor/);
    expect(houlsbyConfig({ non_linearity: 'SWISH' }).non_linearity).toBe('swish');
    const m3 = tinyModel();
    const first = getPeftModel(m3, houlsbyConfig());
    expect(() => getPeftModel(m3, pfeifferConfig())).toThrow(/already wrapped by a PeftModel/);
    expect(getPeftModel(first.unload(), pfeifferConfig()).stateDict()).toHaveLength(2 * 4);
    m3.dispose();
    const m2 = tinyModel();
    expect(() => getPeftModel(m2, houlsbyConfig({ reduction_factor: { 0: 4 } }))).toThrow(
      /reduction_factor has no entry for layer 1/,
    );
    expect(m2.getSubmodule('h.0')).toBeInstanceOf(GPT2Block);
    m2.dispose();
  });

  it('named adapters: two bottleneck adapters and a LoRA on one model, switched with setAdapter', async () => {
    const model = tinyModel();
    const ids = [3, 4, 5, 6];
    const base = hidden(model, ids);
    const pm = getPeftModel(model, houlsbyConfig({ init_weights: 'bert' }), { seed: 5 });
    pm.addAdapter('pf', pfeifferConfig({ init_weights: 'bert' }), { seed: 6 });
    pm.addAdapter('lo', loraConfig({ r: 2, init_lora_weights: false }), { seed: 7 });
    const hDefault = hidden(pm, ids);
    pm.setAdapter('pf');
    const hPf = hidden(pm, ids);
    pm.setAdapter('lo');
    const hLo = hidden(pm, ids);
    for (const [a, b] of [
      [hDefault, base],
      [hPf, base],
      [hLo, base],
      [hDefault, hPf],
    ] as const) {
      expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-5);
    }
    expect(pm.stateDict('pf')[0]![0]).toMatch(/adapters\.pf\.adapter_down/);
    const dir = join(tmp, 'named');
    await pm.savePretrained(dir);
    pm.deleteAdapter('default');
    pm.setAdapter('pf');
    expect(maxAbsDiff(hidden(pm, ids), hPf)).toBe(0);
    const reloaded = await PeftModel.fromPretrained(pm.unload(), join(dir, 'pf'));
    expect(maxAbsDiff(hidden(reloaded, ids), hPf)).toBe(0);
    await reloaded.loadAdapter(dir, 'again');
    reloaded.setAdapter('again');
    expect(maxAbsDiff(hidden(reloaded, ids), hDefault)).toBe(0);
    reloaded.dispose();
  });

  it('training changes only adapter parameters (base bit-identical), no leaks; gradient checkpointing gives the same gradients', () => {
    const model = tinyModel();
    const baseBefore = model.namedParameters().map(([n, p]) => [n, p.dataSync().slice()] as const);
    const pm = getPeftModel(model, houlsbyConfig({ reduction_factor: 8 }), { seed: 1 });
    pm.train();
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    const loss = () =>
      nextTokenLoss(tiedLogits(model, pm.forward({ inputIds: [ids] }).lastHiddenState), ids) as tf.Scalar;
    const opt = tf.train.adam(1e-2);
    const counts: number[] = [];
    for (let s = 0; s < 3; s++) {
      opt.minimize(loss, false, pm.trainableVariables());
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[1]);
    for (const [n, before] of baseBefore) {
      const now = model.getParameter(n).dataSync();
      expect(Buffer.from(now.buffer).equals(Buffer.from(before.buffer)), n).toBe(true);
    }
    const upMoved = pm
      .stateDict()
      .filter(
        ([k, v]) => k.endsWith('adapter_up.weight') && maxAbsDiff(v.dataSync(), new Float32Array(v.size)) > 0,
      );
    expect(upMoved.length).toBe(4);
    // gradient checkpointing recomputes the AdapterBlock: same gradients
    pm.eval();
    const vars = pm.trainableVariables();
    const g1 = tf.variableGrads(loss, vars);
    model.gradientCheckpointing = true;
    model.train();
    for (const [, m] of model.namedModules())
      if ('rate' in m) (m as unknown as { training: boolean }).training = false;
    const g2 = tf.variableGrads(loss, vars);
    for (const v of vars) {
      expect(maxAbsDiff(g1.grads[v.name]!.dataSync(), g2.grads[v.name]!.dataSync())).toBeLessThan(1e-5);
    }
    tf.dispose([g1.value, g2.value, ...Object.values(g1.grads), ...Object.values(g2.grads)]);
    opt.dispose();
    pm.dispose();
  });
});
