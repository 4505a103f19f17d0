// The PEFT conformance suite (`@gptft/peft/conformance`) run for AdaLoRA.
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { runPeftConformance } from '@gptft/peft/conformance';
import { beforeAll, describe, it } from 'vitest';
import { adaloraConfig } from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

runPeftConformance(
  { describe, it },
  {
    name: 'AdaLoRA',
    config: () =>
      adaloraConfig({ init_r: 4, target_r: 2, total_step: 10, target_modules: ['c_attn', 'c_fc'] }),
    merges: true,
    // HF PEFT: get_peft_model(GPT2LMHeadModel("gpt2"), AdaLoraConfig(total_step=100)): init_r 12 on
    // c_attn, 12 × (12·768 + 12 + 2304·12) trainable; `all` also counts the 12 `ranknum` parameters.
    gpt2Small: {
      config: () => adaloraConfig({ total_step: 100 }),
      line: 'trainable params: 442,512 || all params: 124,882,332 || trainable%: 0.3543',
    },
  },
);
