// modules_to_save by default for classification heads (HF PEFT's SEQ_CLS / TOKEN_CLS behaviour),
// on the PyTorch fixtures' GPT2ForSequenceClassification / GPT2ForTokenClassification checkpoints.
import '@gptft/backend-wasm';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification } from '@gptft/heads';
import { SafetensorsFile } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getPeftModel,
  houlsbyConfig,
  LoraLayer,
  loraConfig,
  PeftModel,
  prefixTuningConfig,
} from '../src/index.js';
import { expectedArray, FIXTURES, maxAbsDiff } from './helpers.js';
import { readFileSync } from 'node:fs';

const E = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as {
  seqcls: { input_ids: number[][]; attention_mask: number[][] };
  tokcls: { input_ids: number[][]; attention_mask: number[][] };
};

let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'gptft-peft-cls-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function seqLogits(m: GPT2ForSequenceClassification): Float32Array {
  const out = m.forward({ inputIds: E.seqcls.input_ids, attentionMask: E.seqcls.attention_mask });
  const d = out.logits.dataSync() as Float32Array;
  out.logits.dispose();
  return d;
}

function trainSteps(pm: PeftModel<GPT2ForSequenceClassification>, labels: number[], steps: number): void {
  const opt = tf.train.adam(5e-2);
  for (let s = 0; s < steps; s++) {
    opt.minimize(
      () => {
        const out = pm.model.forward({
          inputIds: E.seqcls.input_ids,
          attentionMask: E.seqcls.attention_mask,
          labels,
        });
        out.logits.dispose();
        return out.loss as tf.Scalar;
      },
      false,
      pm.trainableVariables(),
    );
  }
  opt.dispose();
}

describe('classification heads: the head trains and is saved with the adapter by default', () => {
  it('SEQ_CLS + LoRA: task_type and modules_to_save as PEFT writes them, score trains, saved as base_model.model.score.weight, reload restores it', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const want = await expectedArray('seqcls.logits');
    const scoreBefore = model.score.weight.dataSync().slice();
    const backboneBefore = model.transformer
      .namedParameters()
      .map(([n, p]) => [n, p.dataSync().slice()] as const);
    const pm = getPeftModel(model, loraConfig({ r: 4, target_modules: ['c_attn'] }), { seed: 3 });
    expect(pm.model).toBe(model);
    expect(model.transformer.getSubmodule('h.0.attn.c_attn')).toBeInstanceOf(LoraLayer);
    expect(pm.peftConfig.default!.task_type).toBe('SEQ_CLS');
    expect(pm.peftConfig.default!.modules_to_save).toEqual(['classifier', 'score']);
    // LoRA B = 0: the head model starts with the fixture's PyTorch logits
    expect(maxAbsDiff(seqLogits(model), want)).toBeLessThan(1e-4);
    expect(model.score.weight.trainable).toBe(true);
    // PEFT's count: LoRA 2·(64·4 + 4·192) + score 3·64; "all" also counts PEFT's copy of score
    const { trainable, all } = pm.getNbTrainableParameters();
    expect(trainable).toBe(2 * (64 * 4 + 4 * 192) + 3 * 64);
    expect(all).toBe(model.numParameters() + 3 * 64);

    pm.train();
    trainSteps(pm, [2, 0, 1], 3);
    pm.eval();
    const scoreTrained = model.score.weight.dataSync().slice();
    expect(maxAbsDiff(scoreTrained, scoreBefore)).toBeGreaterThan(0);
    for (const [n, before] of backboneBefore) {
      const p = model.transformer.namedParameters().find(([k]) => k.replace('.base_layer', '') === n)![1];
      expect(Buffer.from(p.dataSync().buffer).equals(Buffer.from(before.buffer)), n).toBe(true);
    }
    const trainedLogits = seqLogits(model);
    // disableAdapter = the base model, original head included (PEFT's ModulesToSaveWrapper)
    pm.disableAdapter();
    expect(maxAbsDiff(model.score.weight.dataSync(), scoreBefore)).toBe(0);
    expect(maxAbsDiff(seqLogits(model), want)).toBeLessThan(1e-4);
    pm.enableAdapter();
    expect(maxAbsDiff(model.score.weight.dataSync(), scoreTrained)).toBe(0);
    expect(maxAbsDiff(seqLogits(model), trainedLogits)).toBe(0);

    const dir = join(tmp, 'seqcls-lora');
    await pm.savePretrained(dir);
    const f = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(f.names()).toContain('base_model.model.score.weight');
    expect(f.names()).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    expect(f.names().filter((k) => !k.includes('lora_'))).toEqual(['base_model.model.score.weight']);
    const cfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
    expect(cfg.task_type).toBe('SEQ_CLS');
    expect(cfg.modules_to_save).toEqual(['classifier', 'score']);

    // unload: the original head comes back; mergeAndUnload (below) keeps the trained one
    pm.unload();
    expect(maxAbsDiff(model.score.weight.dataSync(), scoreBefore)).toBe(0);
    expect(maxAbsDiff(seqLogits(model), want)).toBeLessThan(1e-4);
    model.dispose();

    const fresh = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const loaded = await PeftModel.fromPretrained(fresh, dir);
    expect(maxAbsDiff(fresh.score.weight.dataSync(), scoreTrained)).toBe(0);
    expect(maxAbsDiff(seqLogits(fresh), trainedLogits)).toBe(0);
    expect(loaded.peftConfig.default!.modules_to_save).toEqual(['classifier', 'score']);
    const before = tf.memory().numTensors;
    const merged = loaded.mergeAndUnload();
    expect(merged).toBe(fresh);
    expect(tf.memory().numTensors).toBe(before - 4 - 1); // 4 LoRA tensors + the kept copy of score
    expect(maxAbsDiff(merged.score.weight.dataSync(), scoreTrained)).toBe(0);
    expect(maxAbsDiff(seqLogits(merged), trainedLogits)).toBeLessThan(1e-4);
    merged.dispose();
  });

  it('TOKEN_CLS + bottleneck adapter: classifier weight and bias are trainable and saved', async () => {
    const model = await GPT2ForTokenClassification.fromPretrained(`${FIXTURES}tokcls`);
    const want = await expectedArray('tokcls.logits');
    const pm = getPeftModel(model, houlsbyConfig(), { seed: 1 });
    expect(pm.peftConfig.default!.task_type).toBe('TOKEN_CLS');
    const out = model.forward({ inputIds: E.tokcls.input_ids, attentionMask: E.tokcls.attention_mask });
    expect(maxAbsDiff(out.logits.dataSync(), want)).toBeLessThan(1e-4); // zero up-projection
    out.logits.dispose();
    const keys = pm.stateDict().map(([k]) => k);
    expect(keys).toContain('base_model.model.classifier.weight');
    expect(keys).toContain('base_model.model.classifier.bias');
    expect(model.classifier.bias!.trainable).toBe(true);
    const dir = join(tmp, 'tokcls-bn');
    await pm.savePretrained(dir);
    const f = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(f.names()).toContain('base_model.model.classifier.bias');
    pm.dispose();
  });

  it('SEQ_CLS + prefix tuning: the head is saved too, the config keeps PEFT’s prompt-learning fields only', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const pm = getPeftModel(model, prefixTuningConfig({ num_virtual_tokens: 3 }), { seed: 1 });
    expect(pm.peftConfig.default!.task_type).toBe('SEQ_CLS');
    expect('modules_to_save' in pm.peftConfig.default!).toBe(false);
    expect(pm.stateDict().map(([k]) => k)).toEqual(['base_model.model.score.weight', 'prompt_embeddings']);
    pm.train();
    trainSteps(pm as PeftModel<GPT2ForSequenceClassification>, [2, 0, 1], 2);
    pm.eval();
    const logits = seqLogits(model);
    const dir = join(tmp, 'seqcls-prefix');
    await pm.savePretrained(dir);
    pm.dispose();
    const fresh = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const loaded = await PeftModel.fromPretrained(fresh, dir);
    expect(maxAbsDiff(seqLogits(fresh), logits)).toBeLessThan(1e-5);
    // without the adapter the logits differ (the prefix was in effect)
    loaded.disableAdapter();
    expect(maxAbsDiff(seqLogits(fresh), logits)).toBeGreaterThan(1e-4);
    loaded.dispose();
  });

  it('an explicit task_type turns the default off; a user modules_to_save name that matches nothing is an error', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const pm = getPeftModel(model, loraConfig({ r: 2, task_type: 'FEATURE_EXTRACTION' }));
    expect(model.score.weight.trainable).toBe(false);
    expect(pm.stateDict().some(([k]) => k.includes('score'))).toBe(false);
    expect(() =>
      pm.addAdapter('x', loraConfig({ r: 2, target_modules: ['c_proj'], modules_to_save: ['nope'] })),
    ).toThrow(/modules_to_save: "nope" matches no module/);
    pm.dispose();
  });

  it('named adapters each have their own copy of the head (starting from the original), switched, saved and loaded separately', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const original = model.score.weight.dataSync().slice();
    const pm = getPeftModel(model, loraConfig({ r: 2 }), { seed: 1 });
    pm.train();
    trainSteps(pm, [2, 0, 1], 2);
    const headA = model.score.weight.dataSync().slice();
    expect(maxAbsDiff(headA, original)).toBeGreaterThan(0);
    pm.addAdapter('b', houlsbyConfig(), { seed: 2 });
    pm.setAdapter('b');
    // only b's parameters (and the head) train now, not default's LoRA
    const names = pm.namedTrainableParameters().map(([k]) => k);
    expect(names.some((k) => k.includes('lora_'))).toBe(false);
    expect(names.filter((k) => k.includes('adapters.b.'))).toHaveLength(2 * 2 * 4);
    expect(names).toContain('base_model.model.score.weight');
    expect(maxAbsDiff(model.score.weight.dataSync(), original)).toBe(0);
    trainSteps(pm, [0, 2, 1], 2);
    const headB = model.score.weight.dataSync().slice();
    expect(maxAbsDiff(headB, original)).toBeGreaterThan(0);
    expect(maxAbsDiff(headB, headA)).toBeGreaterThan(0);
    pm.setAdapter('default');
    expect(maxAbsDiff(model.score.weight.dataSync(), headA)).toBe(0);
    pm.eval();
    const logitsA = seqLogits(model);
    pm.setAdapter('b');
    const logitsB = seqLogits(model);
    pm.setAdapter('default');

    // each folder holds its own head, whichever adapter is active while saving
    const dir = join(tmp, 'two-heads');
    await pm.savePretrained(dir);
    expect(maxAbsDiff(model.score.weight.dataSync(), headA)).toBe(0);
    const fa = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    const fb = await SafetensorsFile.open(join(dir, 'b', 'adapter_model.safetensors'));
    expect(maxAbsDiff(fa.getFloat32('base_model.model.score.weight'), headA)).toBe(0);
    expect(maxAbsDiff(fb.getFloat32('base_model.model.score.weight'), headB)).toBe(0);
    // deleting the active adapter leaves the other's head intact
    const before = tf.memory().numTensors;
    pm.deleteAdapter('default');
    expect(pm.activeAdapter).toBe('b');
    expect(maxAbsDiff(model.score.weight.dataSync(), headB)).toBe(0);
    expect(tf.memory().numTensors).toBeLessThan(before);
    pm.unload();
    expect(maxAbsDiff(model.score.weight.dataSync(), original)).toBe(0);
    model.dispose();

    // load both folders onto a fresh checkpoint under other names: each brings its head back
    const fresh = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    const loaded = await PeftModel.fromPretrained(fresh, join(dir, 'b'), { adapterName: 'bb' });
    await loaded.loadAdapter(dir, 'aa');
    expect(loaded.activeAdapter).toBe('bb');
    expect(maxAbsDiff(fresh.score.weight.dataSync(), headB)).toBe(0);
    expect(maxAbsDiff(seqLogits(fresh), logitsB)).toBeLessThan(1e-5);
    loaded.setAdapter('aa');
    expect(maxAbsDiff(fresh.score.weight.dataSync(), headA)).toBe(0);
    expect(maxAbsDiff(seqLogits(fresh), logitsA)).toBeLessThan(1e-5);
    const n = tf.memory().numTensors;
    loaded.dispose();
    expect(tf.memory().numTensors).toBeLessThan(n);
  });
});
