// LoRA fine-tuning as the docs playground runs it, written once and run in two places: in the
// playground's Web Worker (docs/.vitepress/theme/playground/worker.ts, the model read by URL) and
// in Node (docs/test/browser.test.ts, the model read from disk). The same seed, data and settings
// must give the same adapter tensors in both, and the same greedy continuation.
import { tf } from '@gptft/backend';
import { type ChatExample, chatCollator, tokenizeChat } from '@gptft/datasets';
import { GPT2LMHeadModel, generateStream } from '@gptft/heads';
import { type Folder, type MemoryFolder, memoryFolder } from '@gptft/hub';
import { getPeftModel, loraConfig, type PeftModel } from '@gptft/peft';
import { GPT2_EOS_ID, GPT2Tokenizer } from '@gptft/tokenizer';
import { causalLMTrainable, Trainer } from '@gptft/trainer';
import { DEFAULT_SETTINGS, type LoraSettings } from './browser-lora-settings.js';

export {
  DEFAULT_SETTINGS,
  type LoraSettings,
  MAX_NEW_TOKENS,
  PROMPT,
  SAMPLE_TEXT,
} from './browser-lora-settings.js';

/** A model and its tokenizer, as loaded once and kept by the playground. */
export interface Loaded {
  model: GPT2LMHeadModel;
  tokenizer: GPT2Tokenizer;
}

/** Loads `source`: a path (a URL in a page, a folder in Node) or a `Folder` (`urlFolder(hubResolveUrl(id))`). */
export async function loadModel(source: string | Folder, seed = DEFAULT_SETTINGS.seed): Promise<Loaded> {
  const model = await GPT2LMHeadModel.fromPretrained(source, { seed });
  const tokenizer = await GPT2Tokenizer.fromPretrained(source);
  return { model, tokenizer };
}

/** Training data: JSONL of chats (`{"messages": [...]}` a line) or plain text (an example a line). */
export interface TrainingData {
  kind: 'text' | 'chat';
  examples: ChatExample[];
}

/**
 * Turns pasted data into tokenized examples. It is chat JSONL when its first non-empty line starts
 * with `{`: every line must then be a conversation (errors name the line and field); otherwise
 * every non-empty line is one text, followed by the end-of-text token.
 */
export function trainingData(data: string, tokenizer: GPT2Tokenizer, maxLength: number): TrainingData {
  const lines = data
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter((l) => l.line.length > 0);
  if (lines.length === 0) throw new Error('training data: paste some text or a JSONL of chats');
  if (lines[0]!.line.startsWith('{')) {
    const examples = lines.map(({ line, n }) => {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (e) {
        throw new Error(`training data:${n}: not JSON (${(e as Error).message})`);
      }
      return tokenizeChat(record, { tokenizer, maxLength }, { file: 'training data', line: n });
    });
    return { kind: 'chat', examples };
  }
  const eos = tokenizer.eosTokenId ?? GPT2_EOS_ID;
  const examples = lines.map(({ line }) => {
    const inputIds = [...tokenizer.encode(line), eos].slice(0, maxLength);
    return { inputIds, labels: inputIds.slice(), assistantMask: inputIds.map(() => 0) };
  });
  return { kind: 'text', examples };
}

/** Progress of one optimizer step. */
export interface StepInfo {
  step: number;
  loss: number;
  /** Tokens (non-padding) trained on per second so far. */
  tokensPerSecond: number;
}

export interface TrainResult {
  peft: PeftModel<GPT2LMHeadModel>;
  /** Training loss at every step. */
  losses: number[];
  /** Mean next-token loss over the training examples before and after training (eval mode). */
  evalBefore: number;
  evalAfter: number;
  /** Whether `shouldStop` ended training before `maxSteps`. */
  stopped: boolean;
}

/**
 * Mean loss over `examples`, one forward each (eval mode: no dropout). Read with `await data()`:
 * a page's WebGPU backend has no reliable synchronous read.
 */
async function meanLoss(model: GPT2LMHeadModel, examples: readonly ChatExample[]): Promise<number> {
  let sum = 0;
  for (const e of examples) {
    const loss = tf.tidy(() => model.forward({ inputIds: [e.inputIds], labels: [e.labels] }).loss!);
    try {
      sum += (await loss.data())[0]!;
    } finally {
      loss.dispose();
    }
  }
  return sum / examples.length;
}

/**
 * LoRA on `loaded.model` with `settings` (the library's `getPeftModel` + `Trainer`, nothing of
 * its own). `onStep` sees every step; `shouldStop` is asked after each (the trainer lets the
 * event loop run between steps, so a Stop message can arrive).
 */
export async function trainLora(
  loaded: Loaded,
  data: TrainingData,
  settings: LoraSettings,
  hooks: { onStep?: (s: StepInfo) => void; shouldStop?: () => boolean } = {},
): Promise<TrainResult> {
  const { model } = loaded;
  const peft = getPeftModel(
    model,
    loraConfig({
      r: settings.r,
      lora_alpha: settings.loraAlpha,
      lora_dropout: settings.loraDropout,
      target_modules: settings.targetModules,
      task_type: 'CAUSAL_LM',
    }),
    { seed: settings.seed },
  );
  peft.eval();
  const evalBefore = await meanLoss(model, data.examples);
  const pad = { padTokenId: loaded.tokenizer.eosTokenId ?? GPT2_EOS_ID };
  // Both kinds are tokenized already (ids + labels): the chat collator pads them (-100 on padding).
  const collate = chatCollator({ tokenizer: loaded.tokenizer, ...pad });
  let tokens = 0;
  const start = performance.now();
  const losses: number[] = [];
  let stopped = false;
  const trainer = new Trainer({
    model: causalLMTrainable(peft),
    trainDataset: data.examples,
    dataCollator: (rows: readonly unknown[]) => {
      const batch = collate(rows);
      tokens += batch.numTokens;
      return batch;
    },
    args: {
      maxSteps: settings.maxSteps,
      perDeviceTrainBatchSize: settings.batchSize,
      learningRate: settings.learningRate,
      loggingSteps: 1,
      saveStrategy: 'no',
      seed: settings.seed,
    },
    logToFile: false,
    progress: false,
    callbacks: {
      onStepEnd: ({ globalStep, loss }) => {
        losses.push(loss);
        hooks.onStep?.({
          step: globalStep,
          loss,
          tokensPerSecond: tokens / ((performance.now() - start) / 1000),
        });
        stopped = hooks.shouldStop?.() === true && globalStep < settings.maxSteps;
        return { shouldTrainingStop: stopped };
      },
    },
  });
  await trainer.train();
  trainer.optimizer.dispose();
  peft.eval();
  const evalAfter = await meanLoss(model, data.examples);
  return { peft, losses, evalBefore, evalAfter, stopped };
}

/** The adapter folder (PEFT's file names and tensor names) in memory; `zipFolder(folder)` zips it. */
export async function saveAdapter(peft: PeftModel<GPT2LMHeadModel>): Promise<MemoryFolder> {
  const out = memoryFolder('adapter:');
  await peft.savePretrained(out);
  return out;
}

export interface ReplyOptions {
  greedy: boolean;
  maxNewTokens: number;
  /** Wrap the prompt in the chat template (a user turn + the assistant prompt), as after chat data. */
  chat?: boolean;
  seed?: number;
}

/**
 * Streams the model's reply to `prompt` piece by piece (`generateStream`); the return value has
 * the generated ids. With `chat`, the prompt is one user turn in the tokenizer's chat template and
 * the reply ends at `<|im_end|>`.
 */
export async function* streamReply(
  { model, tokenizer }: Loaded,
  prompt: string,
  options: ReplyOptions,
): AsyncGenerator<string, number[], undefined> {
  const input = options.chat
    ? tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true })
    : prompt;
  const stream = generateStream(model, input, {
    tokenizer,
    maxNewTokens: options.maxNewTokens,
    doSample: !options.greedy,
    ...(options.greedy ? {} : { seed: options.seed ?? DEFAULT_SETTINGS.seed }),
    ...(options.chat ? { stopStrings: ['<|im_end|>'] } : {}),
  });
  let next = await stream.next();
  while (!next.done) {
    yield next.value;
    next = await stream.next();
  }
  return next.value.ids;
}

/** Streams a reply to the end (`onPiece` sees each piece): the joined pieces, how many, the ids. */
export async function reply(
  loaded: Loaded,
  prompt: string,
  options: ReplyOptions,
  onPiece?: (piece: string) => void,
): Promise<{ text: string; pieces: number; ids: number[] }> {
  const stream = streamReply(loaded, prompt, options);
  let text = '';
  let pieces = 0;
  let next = await stream.next();
  while (!next.done) {
    text += next.value;
    pieces++;
    onPiece?.(next.value);
    next = await stream.next();
  }
  return { text, pieces, ids: next.value };
}

/** The same prompts answered greedily by the base model (adapter off) and the fine-tuned one. */
export async function beforeAfter(
  loaded: Loaded,
  peft: PeftModel<GPT2LMHeadModel>,
  prompts: readonly string[],
  options: Omit<ReplyOptions, 'greedy'>,
): Promise<{ prompt: string; before: string; after: string }[]> {
  const rows = [];
  for (const prompt of prompts) {
    peft.disableAdapter();
    const before = await reply(loaded, prompt, { ...options, greedy: true }).finally(() =>
      peft.enableAdapter(),
    );
    const after = await reply(loaded, prompt, { ...options, greedy: true });
    rows.push({ prompt, before: before.text, after: after.text });
  }
  return rows;
}
