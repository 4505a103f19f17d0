import {
  type AlpacaRecord,
  alpacaRecord,
  alpacaToChat,
  type ChatMessage,
  chatRecord,
  readFiles,
  readRecords,
  type ShareGptRecord,
  shareGptRecord,
  shareGptToChat,
} from '@gptft/datasets';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { CliError } from './errors.js';
import { checkDataFiles, type LMBatch } from './lm-data.js';

/** The record layouts `gptft sft` reads. */
export type ChatDataFormat = 'chat' | 'sharegpt' | 'alpaca';

async function detectFormat(file: string): Promise<ChatDataFormat> {
  for await (const r of readRecords(file)) {
    const v = r.value as Record<string, unknown>;
    if (v && typeof v === 'object') {
      if ('messages' in v) return 'chat';
      if ('conversations' in v) return 'sharegpt';
      if ('instruction' in v) return 'alpaca';
    }
    throw new CliError(
      `${r.file}:${r.line}: cannot tell the chat format: expected "messages" (chat), "conversations" (ShareGPT) or "instruction" (Alpaca)`,
      'see `gptft sft --help` for the accepted layouts',
    );
  }
  throw new CliError(`${file}: no records`);
}

/**
 * Conversations from JSON/JSONL files in chat (`{messages: [{role, content}]}`), ShareGPT
 * (`{conversations: [{from, value}]}`) or Alpaca (`{instruction, input, output}`) layout, detected
 * per file from its first record and validated record by record (errors name file:line:field).
 */
export async function readConversations(files: readonly string[], system?: string): Promise<ChatMessage[][]> {
  checkDataFiles(files);
  const out: ChatMessage[][] = [];
  for (const f of files) {
    const format = await detectFormat(f);
    let convs: ChatMessage[][];
    if (format === 'chat')
      convs = (await readFiles([f], { schema: chatRecord })).toArray().map((r) => r.messages);
    else if (format === 'sharegpt') {
      convs = (await readFiles([f], { schema: shareGptRecord }))
        .toArray()
        .map((r) => shareGptToChat(r as ShareGptRecord).messages);
    } else {
      convs = (await readFiles([f], { schema: alpacaRecord }))
        .toArray()
        .map((r) => alpacaToChat(r as AlpacaRecord).messages);
    }
    for (const c of convs) {
      out.push(
        system !== undefined && c[0]?.role !== 'system' ? [{ role: 'system', content: system }, ...c] : c,
      );
    }
  }
  return out;
}

/** A tokenized conversation: ids and labels (-100 where the loss is not taken). */
export interface ChatExample {
  inputIds: number[];
  labels: number[];
}

/**
 * Tokenizes conversations with the tokenizer's chat template (`applyChatTemplate` with the assistant
 * mask). With `assistantOnlyLoss` (default) only assistant replies and their end token are labelled;
 * system and user tokens get -100. Conversations longer than `maxLength` are cut; ones left with no
 * labelled token are dropped.
 */
export function tokenizeConversations(
  tokenizer: GPT2Tokenizer,
  conversations: readonly ChatMessage[][],
  options: { maxLength: number; assistantOnlyLoss: boolean },
): { examples: ChatExample[]; dropped: number } {
  const examples: ChatExample[] = [];
  let dropped = 0;
  for (const messages of conversations) {
    const enc = tokenizer.applyChatTemplate(messages, { returnAssistantTokensMask: true });
    const ids = enc.inputIds.slice(0, options.maxLength);
    const mask = enc.assistantMasks!.slice(0, options.maxLength);
    const labels = ids.map((id, i) => (options.assistantOnlyLoss && mask[i] !== 1 ? -100 : id));
    if (labels.slice(1).every((l) => l === -100)) {
      dropped++;
      continue;
    }
    examples.push({ inputIds: ids, labels });
  }
  return { examples, dropped };
}

/** Right-padded batches (pad id, attention mask 0, label -100 on padding). */
export function batchExamples(examples: readonly ChatExample[], batchSize: number, padId: number): LMBatch[] {
  const out: LMBatch[] = [];
  for (let s = 0; s < examples.length; s += batchSize) {
    const rows = examples.slice(s, s + batchSize);
    const len = Math.max(...rows.map((r) => r.inputIds.length));
    const pad = (a: number[], v: number) => [...a, ...new Array<number>(len - a.length).fill(v)];
    out.push({
      inputIds: rows.map((r) => pad(r.inputIds, padId)),
      labels: rows.map((r) => pad(r.labels, -100)),
      attentionMask: rows.map((r) => pad(new Array<number>(r.inputIds.length).fill(1), 0)),
    });
  }
  return out;
}
