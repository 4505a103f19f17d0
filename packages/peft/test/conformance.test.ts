// The PEFT conformance suite (`@gptft/peft/conformance`) for the methods of this package.
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runPeftConformance } from '../src/conformance/index.js';
import {
  houlsbyConfig,
  type LoraConfig,
  LoraConfigSchema,
  LoraLayer,
  LoraTuner,
  loraConfig,
  pfeifferConfig,
  prefixTuningConfig,
  registerPeftMethod,
  type Target,
  type TunerContext,
} from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

runPeftConformance(
  { describe, it },
  {
    name: 'LoRA',
    config: () => loraConfig({ r: 4, lora_alpha: 8, target_modules: ['c_attn', 'c_fc'] }),
    merges: true,
    // HF PEFT: get_peft_model(GPT2LMHeadModel("gpt2"), LoraConfig(r=8)).print_trainable_parameters()
    gpt2Small: {
      config: () => loraConfig({ r: 8, target_modules: ['c_attn'] }),
      line: 'trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364',
    },
  },
);

runPeftConformance(
  { describe, it },
  {
    name: 'bottleneck adapters (Houlsby)',
    config: () => houlsbyConfig({ reduction_factor: 8 }),
    secondConfig: () => pfeifferConfig({ reduction_factor: 8 }),
    merges: false,
  },
);

runPeftConformance(
  { describe, it },
  {
    name: 'prefix tuning',
    config: () => prefixTuningConfig({ num_virtual_tokens: 4 }),
    merges: false,
    // HF PEFT: PrefixTuningConfig(num_virtual_tokens=20) on gpt2: 20 · 12 layers · 2 · 768
    gpt2Small: {
      config: () => prefixTuningConfig({ num_virtual_tokens: 20 }),
      line: 'trainable params: 368,640 || all params: 124,808,448 || trainable%: 0.2954',
    },
  },
);

/** LoRA whose merge adds the update twice: the suite must catch it. */
class DoubleMergeLayer extends LoraLayer {
  protected override mergeOne(name: string): void {
    super.mergeOne(name);
    super.mergeOne(name);
  }
}
class DoubleMergeLora extends LoraTuner {
  override readonly peftType = 'DOUBLE_MERGE_LORA';
  override readonly configSchema = LoraConfigSchema.extend({
    peft_type: z.literal('DOUBLE_MERGE_LORA'),
  }) as never;
  protected override readonly layerClass = DoubleMergeLayer;
  protected override createAndReplace(
    target: Target,
    existing: LoraLayer | undefined,
    ctx: TunerContext<LoraConfig>,
  ) {
    const l = super.createAndReplace(target, existing, ctx);
    if (existing) return l;
    const broken = new DoubleMergeLayer(l.base);
    broken.updateLayer(ctx.adapterName, { r: l.r, scaling: l.scaling, dropout: 0, init: true, seed: 1 });
    l.disposeLora();
    return broken;
  }
}

describe('the conformance suite can fail', () => {
  it('catches a method whose merge differs from its live adapter', async () => {
    registerPeftMethod(new DoubleMergeLora());
    const tests = new Map<string, () => unknown>();
    runPeftConformance(
      { describe: (_n, body) => body(), it: (name, body) => void tests.set(name, body) },
      {
        name: 'broken',
        config: () => ({
          ...loraConfig({ r: 2, target_modules: ['c_attn'] }),
          peft_type: 'DOUBLE_MERGE_LORA',
        }),
        merges: true,
      },
    );
    const merge = [...tests].find(([n]) => n.startsWith('merge = live'))![1];
    await expect(async () => merge()).rejects.toThrow(/PEFT conformance: merged outputs vs the live adapter/);
    const disable = [...tests].find(([n]) => n.startsWith('disable'))![1];
    await disable(); // disabling is right in this method
  });
});
