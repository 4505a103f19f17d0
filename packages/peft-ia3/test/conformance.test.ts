// The PEFT conformance suite (`@gptft/peft/conformance`) run for IA³, as any contributed method runs it.
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { runPeftConformance } from '@gptft/peft/conformance';
import { beforeAll, describe, it } from 'vitest';
import { ia3Config } from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

runPeftConformance(
  { describe, it },
  {
    name: 'IA3',
    config: () => ia3Config(),
    secondConfig: () => ia3Config({ init_ia3_weights: false }),
    merges: true,
    // HF PEFT: get_peft_model(GPT2LMHeadModel("gpt2"), IA3Config()).print_trainable_parameters()
    gpt2Small: {
      config: () => ia3Config(),
      line: 'trainable params: 64,512 || all params: 124,504,320 || trainable%: 0.0518',
    },
  },
);
