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
import { CliError } from './errors.js';
import { checkDataFiles } from './lm-data.js';

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
