// Fact accuracy of a chat model, in code: greedy replies to the held-out shop questions
// (data/shop/test.jsonl), scored with @gptft/metrics' factAccuracy — the number
// `gptft eval --task chat-facts` and `gptft demo` report.
//   npx tsx examples/chat-facts.ts [model-folder] [adapter-folder] [test.jsonl] [how-many]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import type { ChatMessage } from '@gptft/datasets';
import { GPT2LMHeadModel, generate, setupChatModel } from '@gptft/heads';
import { factAccuracy, isFactCorrect } from '@gptft/metrics';
import { PeftModel } from '@gptft/peft';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { TINY_GPT2 } from './fixture.js';

const SHOP_TEST = fileURLToPath(new URL('../../data/shop/test.jsonl', import.meta.url));

export async function chatFacts(source = TINY_GPT2, adapter?: string, testFile = SHOP_TEST, n = 6) {
  await useBackend('auto');
  const model = await GPT2LMHeadModel.fromPretrained(source);
  // A fine-tuned adapter folder holds the tokenizer with its chat template; a base gets ChatML.
  const tokenizer = await GPT2Tokenizer.fromPretrained(adapter ?? source);
  if (tokenizer.chatTemplate === undefined) setupChatModel(model, tokenizer);
  const peft = adapter ? await PeftModel.fromPretrained(model, adapter) : undefined;

  // {"messages": [...question, reference reply], "expected": [facts the reply must state]}
  const examples = readFileSync(testFile, 'utf8')
    .trim()
    .split('\n')
    .slice(0, n)
    .map((line) => JSON.parse(line) as { messages: ChatMessage[]; expected: string[] });
  // The reply ends at <|im_end|> (or any other end-of-turn token).
  const stop = ['<|im_end|>', '<|im_start|>', '<|endoftext|>']
    .map((t) => tokenizer.encode(t, { allowedSpecial: 'all' }))
    .filter((ids) => ids.length === 1)
    .map((ids) => ids[0]!);
  const replies = examples.map((ex) => {
    const prompt = tokenizer.applyChatTemplate(ex.messages.slice(0, -1), { addGenerationPrompt: true });
    const [ids] = generate(model, [prompt], { maxNewTokens: 40, doSample: false, eosTokenId: stop });
    return tokenizer.decode(ids!.slice(prompt.length), { skipSpecialTokens: true }).trim();
  });
  const accuracy = factAccuracy(
    replies,
    examples.map((e) => e.expected),
  );
  for (const [i, r] of replies.entries()) {
    const ok = isFactCorrect(r, examples[i]!.expected) ? '✓' : '✗';
    console.log(`${ok} ${examples[i]!.messages.at(-2)!.content} → ${JSON.stringify(r)}`);
  }
  console.log(`fact accuracy ${accuracy}`);
  peft?.unload();
  model.dispose();
  return { accuracy, replies };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [source, adapter, file, n] = process.argv.slice(2);
  await chatFacts(source, adapter, file, n ? Number(n) : undefined);
}
