import { type ChatMessage, chatMessage, readRecords } from '@gptft/datasets';
import type { GPT2LMHeadModel } from '@gptft/heads';
import { type FactReference, factAccuracy, isFactCorrect } from '@gptft/metrics';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { z } from 'zod';
import { chatStopIds, prepareChatFormat } from './chat-setup.js';
import { CliError } from './errors.js';
import { generateReply } from './generate-reply.js';
import { checkDataFiles } from './lm-data.js';
import { loadLanguageModel } from './model-io.js';

/**
 * A test conversation for fact accuracy: chat messages whose last assistant reply is the reference
 * (left out of the prompt; a conversation may also end with the user's question), the strings a
 * generated reply must contain (`expected`: one, or several that must all appear) and, optionally,
 * the kind of fact it asks for (accuracy is also reported per kind).
 */
export const chatFactsRecord = z.object({
  messages: z.array(chatMessage).min(1),
  expected: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  kind: z.string().optional(),
});
export interface ChatFactsExample {
  /** The conversation up to the question (the reference reply removed). */
  prompt: ChatMessage[];
  expected: FactReference;
  kind?: string;
}

/** Reads fact-accuracy test conversations (JSON/JSONL); errors name file:line and the field. */
export async function readChatFactsExamples(files: readonly string[]): Promise<ChatFactsExample[]> {
  checkDataFiles(files);
  const out: ChatFactsExample[] = [];
  for (const f of files) {
    for await (const r of readRecords(f)) {
      const p = chatFactsRecord.safeParse(r.value);
      if (!p.success) {
        const issue = p.error.issues[0]!;
        throw new CliError(
          `${r.file}:${r.line}: ${issue.path.join('.') || '(record)'}: ${issue.message}`,
          'chat-facts records are {"messages": [...], "expected": "fact" | ["fact", ...]}',
        );
      }
      const messages = p.data.messages;
      const prompt = messages[messages.length - 1]!.role === 'assistant' ? messages.slice(0, -1) : messages;
      if (prompt.length === 0 || prompt[prompt.length - 1]!.role !== 'user') {
        throw new CliError(
          `${r.file}:${r.line}: messages: the conversation must end with a user question (and its reference reply)`,
        );
      }
      out.push({
        prompt,
        expected: p.data.expected,
        ...(p.data.kind !== undefined && { kind: p.data.kind }),
      });
    }
  }
  if (out.length === 0) throw new CliError(`${files.join(', ')}: no conversations`);
  return out;
}

/** One scored reply. */
export interface ChatFactsReply {
  question: string;
  reply: string;
  expected: FactReference;
  correct: boolean;
  kind?: string;
}

/** Fact accuracy of a chat model on test conversations (snake_case keys, as they appear in `--json`). */
export interface ChatFactsResult {
  fact_accuracy: number;
  correct: number;
  total: number;
  /** Accuracy per kind of fact, for examples that name one. */
  by_kind: Record<string, { fact_accuracy: number; correct: number; total: number }>;
  replies: ChatFactsReply[];
}

/** How replies are generated for fact accuracy: greedy, no repetition penalty (the fact may repeat the question's words). */
export const CHAT_FACTS_MAX_NEW_TOKENS = 40;

/**
 * Fact accuracy (`@gptft/metrics` `factAccuracy`) of `model` on `examples`: each conversation up
 * to its last question is rendered with the tokenizer's chat template (generation prompt added),
 * the reply is decoded greedily until the end of the assistant's turn (at most `maxNewTokens`
 * tokens), and it is right when it contains every expected string. `gptft eval --task chat-facts`
 * and `gptft demo` both score with this function.
 */
export async function evaluateChatFacts(
  model: GPT2LMHeadModel,
  tokenizer: GPT2Tokenizer,
  examples: readonly ChatFactsExample[],
  options: { maxNewTokens?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<ChatFactsResult> {
  if (tokenizer.chatTemplate === undefined) {
    throw new Error('evaluateChatFacts: the tokenizer has no chat template (setupChatFormat first)');
  }
  const stopIds = chatStopIds(tokenizer);
  const replies: string[] = [];
  for (const [i, ex] of examples.entries()) {
    const ids = tokenizer.applyChatTemplate(ex.prompt, { addGenerationPrompt: true });
    const out = await generateReply(model, tokenizer, ids, {
      maxNewTokens: options.maxNewTokens ?? CHAT_FACTS_MAX_NEW_TOKENS,
      doSample: false,
      stopIds,
    });
    replies.push(out.text.trim());
    options.onProgress?.(i + 1, examples.length);
  }
  const refs = examples.map((e) => e.expected);
  const accuracy = factAccuracy(replies, refs);
  const scored: ChatFactsReply[] = examples.map((e, i) => ({
    question: e.prompt[e.prompt.length - 1]!.content,
    reply: replies[i]!,
    expected: e.expected,
    correct: isFactCorrect(replies[i]!, e.expected),
    ...(e.kind !== undefined && { kind: e.kind }),
  }));
  const byKind: ChatFactsResult['by_kind'] = {};
  for (const r of scored) {
    if (r.kind === undefined) continue;
    byKind[r.kind] ??= { fact_accuracy: 0, correct: 0, total: 0 };
    const k = byKind[r.kind]!;
    k.total++;
    if (r.correct) k.correct++;
  }
  for (const k of Object.values(byKind)) k.fact_accuracy = k.correct / k.total;
  const correct = scored.filter((r) => r.correct).length;
  return { fact_accuracy: accuracy, correct, total: scored.length, by_kind: byKind, replies: scored };
}

/**
 * Loads a model (folder, hub id or adapter folder) and scores it on fact-accuracy test files. A
 * tokenizer without a chat template gets ChatML (as `gptft sft` gives it before training).
 */
export async function chatFactsOfModel(
  modelPath: string,
  files: readonly string[],
  options: {
    adapter?: string;
    tokenizer?: string;
    maxNewTokens?: number;
    maxSamples?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<ChatFactsResult> {
  let examples = await readChatFactsExamples(files);
  if (options.maxSamples !== undefined) examples = examples.slice(0, options.maxSamples);
  const lm = await loadLanguageModel(modelPath, {
    ...(options.adapter !== undefined && { adapter: options.adapter }),
    ...(options.tokenizer !== undefined && { tokenizer: options.tokenizer }),
  });
  try {
    prepareChatFormat(lm.model, lm.tokenizer);
    return await evaluateChatFacts(lm.model, lm.tokenizer, examples, {
      ...(options.maxNewTokens !== undefined && { maxNewTokens: options.maxNewTokens }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
  } finally {
    lm.dispose();
  }
}
