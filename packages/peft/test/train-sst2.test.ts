// Each method trains on a real task: SST-2 sentiment (GLUE train/dev sentences) with
// GPT2ForSequenceClassification on the fixture checkpoint. For the per-method runs the score head
// is frozen, so only the method's own parameters can lower the loss; one run keeps the default
// (head trained as modules_to_save). Validation sentences come from dev.tsv, disjoint from the
// training ones; the base weights must come out bit-identical.
import '@gptft/backend-wasm';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { GPT2ForSequenceClassification } from '@gptft/heads';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { sharedDataOrSkip } from '@gptft/tooling/test-data';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BasePeftConfig,
  getPeftModel,
  houlsbyConfig,
  loraConfig,
  pfeifferConfig,
  prefixTuningConfig,
} from '../src/index.js';
import { FIXTURES } from './helpers.js';

const SST2 = sharedDataOrSkip(
  'sst2',
  'SST-2 sentiment: validation loss falls for every method',
  'SST-2 has no stated licence and is distributed for research only',
);

interface Batch {
  inputIds: number[][];
  attentionMask: number[][];
  labels: number[];
}

describe.skipIf(!SST2)('SST-2 sentiment: validation loss falls for every method', () => {
  let train: Batch[];
  let valid: Batch;
  beforeAll(async () => {
    await useBackend('wasm');
    const tok = GPT2Tokenizer.gpt2();
    // The fixture head has 3 labels (negative, neutral, positive): SST-2's 0/1 map to 0/2.
    const read = (f: string) =>
      readFileSync(resolve(SST2!, f), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => {
          const tab = line.indexOf('\t');
          return { label: Number(line.slice(0, tab)) * 2, ids: tok.encode(line.slice(tab + 1)).slice(0, 24) };
        })
        .filter((r) => r.ids.length >= 3);
    // right padding with an attention mask (the head pools the last attended token)
    const pad = (rows: Array<{ label: number; ids: number[] }>): Batch => {
      const t = Math.max(...rows.map((r) => r.ids.length));
      return {
        inputIds: rows.map((r) => [...r.ids, ...Array<number>(t - r.ids.length).fill(50256)]),
        attentionMask: rows.map((r) => [...r.ids.map(() => 1), ...Array<number>(t - r.ids.length).fill(0)]),
        labels: rows.map((r) => r.label),
      };
    };
    const rows = read('train.tsv').slice(0, 192);
    train = Array.from({ length: 12 }, (_, i) => pad(rows.slice(i * 16, i * 16 + 16)));
    valid = pad(read('dev.tsv').slice(0, 64));
  });

  async function run(config: BasePeftConfig, lr: number, freezeHead: boolean) {
    const model = await GPT2ForSequenceClassification.fromPretrained(`${FIXTURES}seqcls`);
    model.transformer.setSeed(1);
    const pm = getPeftModel(model, config, { seed: 2 });
    if (freezeHead) model.score.weight.trainable = false;
    const adapterVars = new Set(pm.stateDict().map(([, v]) => v));
    const frozen = model
      .namedParameters()
      .filter(([, p]) => !adapterVars.has(p) && (freezeHead || p !== model.score.weight))
      .map(([n, p]) => [n, p, p.dataSync().slice()] as const);
    const validLoss = () => {
      const out = model.forward(valid);
      const l = out.loss!.dataSync()[0]!;
      tf.dispose([out.loss!, out.logits]);
      return l;
    };
    const untrained = validLoss();
    pm.train();
    const opt = tf.train.adam(lr);
    const counts: number[] = [];
    for (let step = 0; step < 24; step++) {
      opt.minimize(
        () => {
          const out = model.forward(train[step % train.length]!);
          out.logits.dispose();
          return out.loss as tf.Scalar;
        },
        false,
        pm.trainableVariables(),
      );
      counts.push(tf.memory().numTensors);
    }
    pm.eval();
    const trained = validLoss();
    for (const [n, p, data] of frozen) {
      expect(Buffer.from(p.dataSync().buffer).equals(Buffer.from(data.buffer)), `${n} changed`).toBe(true);
    }
    expect(counts.at(-1)).toBe(counts[1]);
    opt.dispose();
    pm.dispose();
    return { untrained, trained };
  }

  const cases: Array<[string, () => BasePeftConfig, number]> = [
    ['LoRA', () => loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn', 'c_proj'] }), 1e-2],
    ['prefix tuning', () => prefixTuningConfig({ num_virtual_tokens: 8 }), 1e-1],
    ['Houlsby adapters', () => houlsbyConfig({ reduction_factor: 4 }), 1e-2],
    ['Pfeiffer adapters', () => pfeifferConfig({ reduction_factor: 4 }), 1e-2],
  ];
  for (const [name, config, lr] of cases) {
    it(`${name} (head frozen): 24 steps bring the validation loss clearly below the untrained value; base bit-identical`, async () => {
      const { untrained, trained } = await run(config(), lr, true);
      expect(trained, `${name}: ${untrained} → ${trained}`).toBeLessThan(0.8 * untrained);
    });
  }

  it('LoRA with the default modules_to_save (score head trained too)', async () => {
    const { untrained, trained } = await run(
      loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn', 'c_proj'] }),
      3e-3,
      false,
    );
    expect(trained, `${untrained} → ${trained}`).toBeLessThan(0.8 * untrained);
  });
});
