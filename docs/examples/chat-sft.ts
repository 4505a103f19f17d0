// Chat fine-tuning (SFT) with LoRA, in code: ChatML set up on a GPT-2 that has no chat template,
// TRL-style SFTTrainer with the loss on the assistant replies only, replies before and after.
// (`gptft sft` / `gptft demo` do the same from the command line.)
//   npx tsx examples/chat-sft.ts [folder-or-repo-id] [conversations.jsonl] [max-steps]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { chatRecord, loadDataset } from '@gptft/datasets';
import { GPT2LMHeadModel, generate, setupChatModel } from '@gptft/heads';
import { getPeftModel, loraConfig } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { SFTTrainer } from '@gptft/trainer';
import { TINY_GPT2 } from './fixture.js';

const CHATS = fileURLToPath(new URL('./data/chat.jsonl', import.meta.url));

export async function chatSft(source = TINY_GPT2, data = CHATS, maxSteps = 20) {
  await useBackend('auto');
  const model = await GPT2LMHeadModel.fromPretrained(source);
  const tokenizer = await GPT2Tokenizer.fromPretrained(source);
  // TRL's setup_chat_format: <|im_start|>/<|im_end|> tokens, the ChatML template, resized embeddings.
  setupChatModel(model, tokenizer);

  const reply = (question: string) => {
    const prompt = tokenizer.applyChatTemplate([{ role: 'user', content: question }], {
      addGenerationPrompt: true,
    });
    const [ids] = generate(model, [prompt], { maxNewTokens: 12 });
    return tokenizer.decode(ids!.slice(prompt.length), { skipSpecialTokens: true });
  };
  const before = reply('What is the capital of France?');

  // LoRA on the attention; the embeddings train too, since the ChatML tokens are new.
  const peft = getPeftModel(
    model,
    loraConfig({ r: 8, lora_alpha: 16, target_modules: ['c_attn'], modules_to_save: ['wte'] }),
    { seed: 1 },
  );
  const conversations = await loadDataset(data, { split: 'train', schema: chatRecord });
  const trainer = new SFTTrainer({
    model: peft,
    tokenizer,
    args: {
      outputDir: await mkdtemp(join(tmpdir(), 'gptft-sft-')),
      maxSteps,
      learningRate: 5e-3,
      perDeviceTrainBatchSize: 2,
      loggingSteps: 5,
      saveSteps: 1000,
      maxLength: 128,
      // assistantOnlyLoss (default true): system and user tokens are labelled -100
    },
    trainDataset: conversations.toArray(),
    callbacks: { onLog: (e) => console.log(`step ${e.step}: loss ${e.loss?.toFixed(4)}`) },
  });
  await trainer.train();
  peft.eval();
  const after = reply('What is the capital of France?');
  console.log({ before, after });
  const losses = trainer.logHistory.filter((e) => e.loss !== undefined).map((e) => e.loss!);
  peft.dispose();
  model.dispose();
  return { before, after, losses };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await chatSft(process.argv[2], process.argv[3], process.argv[4] ? Number(process.argv[4]) : undefined);
}
