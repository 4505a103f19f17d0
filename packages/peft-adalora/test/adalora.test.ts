// AdaLoRA against a PyTorch re-implementation of HF PEFT's tuners/adalora (tooling/reference/
// adalora_torch.py; fixtures written by test/reference/adalora_reference.py).
import '@gptft/backend-wasm';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { GPT2Config } from '@gptft/gpt2-model';
import { GPT2LMHeadModel } from '@gptft/heads';
import { SafetensorsFile } from '@gptft/hub';
import { getPeftModel, PeftModel } from '@gptft/peft';
import { Trainer, trainableFromForward } from '@gptft/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaloraConfig, SVDLinear } from '../src/index.js';
import { expected, FIXTURES, GPT2_TINY, maxAbsDiff } from './helpers.js';

let tmp: string;
let ref: SafetensorsFile;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await mkdtemp(join(tmpdir(), 'gptft-adalora-'));
  ref = await SafetensorsFile.open(join(FIXTURES, 'expected.safetensors'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const [text1, text2] = expected.ids;

function lastLogits(model: GPT2LMHeadModel, ids: number[]): Float32Array {
  return tf.tidy(() => model.forward({ inputIds: [ids], logitsToKeep: 1 }).logits.dataSync() as Float32Array);
}

describe('AdaLoRA (PyTorch reference of HF PEFT)', () => {
  it('a PEFT adapter loads: logits, merged weights and the loss with the orthogonal regulariser match PyTorch', async () => {
    // training mode without dropout: the regulariser is a training term
    const config = (await GPT2Config.fromFile(join(GPT2_TINY, 'config.json'))).with({
      residPdrop: 0,
      embdPdrop: 0,
      attnPdrop: 0,
    });
    const model = await GPT2LMHeadModel.fromPretrained(GPT2_TINY, { config });
    const pm = await PeftModel.fromPretrained(model, join(FIXTURES, 'init'), { isTrainable: true });
    expect(model.transformer.getSubmodule('h.1.attn.c_attn')).toBeInstanceOf(SVDLinear);
    expect(maxAbsDiff(lastLogits(model, text1), ref.getFloat32('init.last_logits'))).toBeLessThan(1e-4);
    const lossOf = () =>
      tf.tidy(() => pm.forward({ inputIds: [text1], labels: [text1] }).loss!.dataSync()[0]!);
    pm.train();
    const loss = lossOf();
    expect(Math.abs(loss - expected.init_loss) / expected.init_loss).toBeLessThan(1e-5);
    // in eval mode the loss is the task loss alone (the wrapped head's), without the regulariser
    pm.eval();
    const taskLoss = tf.tidy(
      () => model.forward({ inputIds: [text1], labels: [text1] }).loss!.dataSync()[0]!,
    );
    expect(lossOf()).toBe(taskLoss);
    expect(taskLoss).toBeLessThan(loss);
    // without the regulariser (disabled adapter = base model) the loss differs
    pm.mergeAdapter();
    for (const i of [0, 1]) {
      const w = model.getParameter(`transformer.h.${i}.attn.c_attn.base_layer.weight`).dataSync();
      expect(maxAbsDiff(w, ref.getFloat32(`init.merged.h.${i}.attn.c_attn.weight`))).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(lastLogits(model, text1), ref.getFloat32('init.last_logits'))).toBeLessThan(1e-4);
    pm.unmergeAdapter();
    // saved as PEFT saves it: lora_A / lora_B / lora_E without the adapter name, no ranknum
    const dir = join(tmp, 'init-again');
    await pm.savePretrained(dir);
    const a = await SafetensorsFile.open(join(FIXTURES, 'init', 'adapter_model.safetensors'));
    const b = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(b.names()).toEqual(a.names());
    expect(b.names()[0]).toBe('base_model.model.transformer.h.0.attn.c_attn.lora_A');
    for (const k of a.names())
      expect(Buffer.from(b.getBytes(k)).equals(Buffer.from(a.getBytes(k))), k).toBe(true);
    const refCfg = JSON.parse(await readFile(join(FIXTURES, 'init', 'adapter_config.json'), 'utf8'));
    expect(JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'))).toEqual(refCfg);
    pm.dispose();
  });

  it('trains with the Trainer: the losses, the rank allocation and the pruned saved adapter match PyTorch', async () => {
    // the reference trains without dropout
    const config = (await GPT2Config.fromFile(join(GPT2_TINY, 'config.json'))).with({
      residPdrop: 0,
      embdPdrop: 0,
      attnPdrop: 0,
    });
    const model = await GPT2LMHeadModel.fromPretrained(GPT2_TINY, { config });
    const pm = await PeftModel.fromPretrained(model, join(FIXTURES, 'init'), { isTrainable: true });
    expect(pm.namedTrainableParameters().map(([k]) => k)).toHaveLength(6);
    const losses: number[] = [];
    const patterns: Array<Record<string, boolean[]> | null> = [];
    const trainer = new Trainer({
      model: trainableFromForward(pm, { toInput: (b: number[][]) => ({ inputIds: b, labels: b }) }),
      trainData: [[text1], [text2]],
      args: {
        outputDir: join(tmp, 'run'),
        maxSteps: 10,
        learningRate: 1e-2,
        lrSchedulerType: 'constant',
        maxGradNorm: 1,
        weightDecay: 0,
        saveStrategy: 'no',
        loggingSteps: 100,
      },
      shuffle: false,
      progress: false,
      callbacks: {
        onStepEnd: ({ loss }) => {
          losses.push(loss);
          const rp = pm.peftConfig.default!.rank_pattern as Record<string, boolean[]> | null | undefined;
          patterns.push(rp ? structuredClone(rp) : null);
        },
      },
    });
    await trainer.train();
    trainer.optimizer.dispose();
    expect(losses).toHaveLength(10);
    losses.forEach((l, i) => {
      expect(Math.abs(l - expected.losses[i]!) / expected.losses[i]!, `step ${i}`).toBeLessThan(1e-4);
    });
    expect(patterns).toEqual(expected.rank_patterns);
    for (const i of [0, 1]) {
      const layer = model.transformer.getSubmodule<SVDLinear>(`h.${i}.attn.c_attn`);
      const { a, e, b } = layer.weights('default');
      const key = `final.transformer.h.${i}.attn.c_attn`;
      expect(maxAbsDiff(a.dataSync(), ref.getFloat32(`${key}.lora_A`))).toBeLessThan(1e-4);
      expect(maxAbsDiff(b.dataSync(), ref.getFloat32(`${key}.lora_B`))).toBeLessThan(1e-4);
      expect(maxAbsDiff(e.dataSync(), ref.getFloat32(`${key}.lora_E`))).toBeLessThan(1e-4);
    }
    // saved as PEFT saves it: pruned to the kept singular values, rank_pattern without the adapter name
    const dir = join(tmp, 'trained');
    await pm.savePretrained(dir);
    const want = await SafetensorsFile.open(join(FIXTURES, 'trained', 'adapter_model.safetensors'));
    const got = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(got.names()).toEqual(want.names());
    for (const k of want.names()) {
      expect(got.info(k).shape, k).toEqual(want.info(k).shape);
      expect(maxAbsDiff(got.getFloat32(k), want.getFloat32(k)), k).toBeLessThan(1e-4);
    }
    const cfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
    const refCfg = JSON.parse(await readFile(join(FIXTURES, 'trained', 'adapter_config.json'), 'utf8'));
    expect(cfg.rank_pattern).toEqual(refCfg.rank_pattern);
    pm.dispose();
    // PyTorch's pruned adapter loads (modules resized to its ranks) and gives PyTorch's logits
    const fresh = await GPT2LMHeadModel.fromPretrained(GPT2_TINY);
    const loaded = await PeftModel.fromPretrained(fresh, join(FIXTURES, 'trained'));
    expect(fresh.transformer.getSubmodule<SVDLinear>('h.0.attn.c_attn').rank('default')).toBe(2);
    expect(maxAbsDiff(lastLogits(fresh, text1), ref.getFloat32('trained.last_logits'))).toBeLessThan(1e-4);
    loaded.dispose();
  });

  it('config: PEFT’s checks name the field; GPT-2 defaults written into the saved config', async () => {
    expect(() => adaloraConfig({})).toThrow(
      /AdaLoraConfig: total_step: AdaLoRA does not work when total_step is None/,
    );
    expect(() => adaloraConfig({ total_step: 10, tinit: 5, tfinal: 5 })).toThrow(
      /AdaLoraConfig: tinit: the schedule leaves no budgeting phase/,
    );
    expect(() => adaloraConfig({ total_step: 10, orth_reg_weight: -1 })).toThrow(/orth_reg_weight/);
    expect(() => adaloraConfig({ total_step: 10, target_modules: 'c_.*', layers_to_transform: [0] })).toThrow(
      /layers_to_transform: cannot be used when target_modules is a str/,
    );
    const model = await GPT2LMHeadModel.fromPretrained(GPT2_TINY);
    const pm = getPeftModel(model, adaloraConfig({ total_step: 10, init_r: 6 }));
    const cfg = pm.peftConfig.default!;
    expect(cfg.target_modules).toEqual(['c_attn']);
    expect(cfg.fan_in_fan_out).toBe(true);
    // PEFT's init: E = 0 (the model starts unchanged), A and B ~ N(0, 0.02)
    const { a, e } = model.transformer.getSubmodule<SVDLinear>('h.0.attn.c_attn').weights('default');
    expect(a.shape).toEqual([6, 64]);
    expect(Array.from(e.dataSync()).every((v) => v === 0)).toBe(true);
    expect(() => pm.addWeightedAdapter(['default'], [1], 'x')).toThrow(
      /ADALORA adapters do not support addWeightedAdapter/,
    );
    pm.dispose();
  });
});
