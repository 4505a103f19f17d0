// One LoRA fine-tuning run, written once and run twice: in headless Chromium (test/browser/page.ts, the model
// read by URL) and in Node (browser.test.ts, the model read from disk). The same seed, data and
// settings must give the same adapter tensors in both, and the same greedy continuation.
import { tf } from '@gptft/backend';
import { causalLMCollator } from '@gptft/datasets';
import { GPT2LMHeadModel, generateStream } from '@gptft/heads';
import { type Folder, memoryFolder } from '@gptft/hub';
import { getPeftModel, loraConfig } from '@gptft/peft';
import { GPT2_EOS_ID, GPT2Tokenizer } from '@gptft/tokenizer';
import { causalLMTrainable, Trainer } from '@gptft/trainer';

export const TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'A journey of a thousand miles begins with a single step.',
  'To be, or not to be, that is the question.',
  'All that glitters is not gold.',
];
export const PROMPT = 'To be, or not';
export const MAX_NEW_TOKENS = 12;
export const STEPS = 6;

export interface LoraRunResult {
  /** Training loss at every step. */
  losses: number[];
  /** Mean next-token loss over the training texts before and after training (eval mode). */
  evalBefore: number;
  evalAfter: number;
  /** The saved adapter folder's files (PEFT's names), name → bytes. */
  adapter: Record<string, Uint8Array>;
  /** Greedy ids after PROMPT with the adapter active (streamed piece by piece). */
  generatedIds: number[];
  /** The streamed pieces, joined. */
  streamedText: string;
  /** Live tensors before and after (a leak shows here). */
  tensorsBefore: number;
  tensorsAfter: number;
}

/** Loads `source` (a path: a URL in a page, a folder in Node; or a Folder), trains LoRA, saves, generates. */
export async function loraRun(
  source: string | Folder,
  onStep?: (step: number, loss: number) => void,
): Promise<LoraRunResult> {
  const tensorsBefore = tf.memory().numTensors;
  const model = await GPT2LMHeadModel.fromPretrained(source, { seed: 1 });
  const tokenizer = await GPT2Tokenizer.fromPretrained(source);
  const peft = getPeftModel(
    model,
    loraConfig({ r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ['c_attn'], task_type: 'CAUSAL_LM' }),
    { seed: 1 },
  );
  const examples = TEXTS.map((t) => [...tokenizer.encode(t), GPT2_EOS_ID]);
  const evalLoss = () => {
    let sum = 0;
    for (const ids of examples) {
      sum += tf.tidy(() => model.forward({ inputIds: [ids], labels: [ids] }).loss!.dataSync()[0]!);
    }
    return sum / examples.length;
  };
  peft.eval();
  const evalBefore = evalLoss();
  const losses: number[] = [];
  const trainer = new Trainer({
    model: causalLMTrainable(peft),
    trainDataset: examples.map((inputIds) => ({ inputIds })),
    dataCollator: causalLMCollator({ padTokenId: GPT2_EOS_ID }),
    args: {
      maxSteps: STEPS,
      perDeviceTrainBatchSize: 2,
      learningRate: 1e-2,
      loggingSteps: 1,
      saveStrategy: 'no',
      seed: 1,
    },
    logToFile: false,
    progress: false,
    callbacks: {
      onLog: (e) => {
        if (e.loss !== undefined) {
          losses.push(e.loss);
          onStep?.(e.step, e.loss);
        }
      },
    },
  });
  await trainer.train();
  trainer.optimizer.dispose();
  peft.eval();
  const evalAfter = evalLoss();
  const out = memoryFolder('adapter:');
  await peft.savePretrained(out);
  let streamedText = '';
  const stream = generateStream(model, PROMPT, { tokenizer, maxNewTokens: MAX_NEW_TOKENS, doSample: false });
  let next = await stream.next();
  while (!next.done) {
    streamedText += next.value;
    next = await stream.next();
  }
  const generatedIds = next.value.ids;
  peft.dispose();
  model.dispose();
  return {
    losses,
    evalBefore,
    evalAfter,
    adapter: Object.fromEntries(out.files),
    generatedIds,
    streamedText,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
  };
}
