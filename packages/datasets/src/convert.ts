import type {
  AlpacaRecord,
  ChatMessage,
  ChatRecord,
  ChatRole,
  ShareGptFrom,
  ShareGptRecord,
} from './schemas.js';

/** How ShareGPT speakers map to chat roles. */
export const SHAREGPT_ROLES: Readonly<Record<ShareGptFrom, ChatRole>> = {
  system: 'system',
  human: 'user',
  gpt: 'assistant',
};

/**
 * ShareGPT → chat: `system` → `system`, `human` → `user`, `gpt` → `assistant`; order and text are
 * kept as they are. (FastChat's own trainer drops a first turn that is not `human`; here a leading
 * system turn becomes the system message, which is what chat templates expect.)
 */
export function shareGptToChat(record: ShareGptRecord): ChatRecord {
  return { messages: record.conversations.map((t) => ({ role: SHAREGPT_ROLES[t.from], content: t.value })) };
}

/** Options of {@link alpacaToChat}. */
export interface AlpacaToChatOptions {
  /** A system message to put first (default: none). */
  system?: string;
  /** Joins instruction and a non-empty input into the user turn (default `'\n\n'`). */
  inputSeparator?: string;
}

/**
 * Alpaca → chat: one user turn holding the instruction, followed by the input (when non-empty)
 * after a blank line, and one assistant turn holding the output.
 */
export function alpacaToChat(record: AlpacaRecord, options: AlpacaToChatOptions = {}): ChatRecord {
  const input = record.input ?? '';
  const user =
    input.trim().length > 0
      ? `${record.instruction}${options.inputSeparator ?? '\n\n'}${input}`
      : record.instruction;
  const messages: ChatMessage[] = [];
  if (options.system !== undefined) messages.push({ role: 'system', content: options.system });
  messages.push({ role: 'user', content: user }, { role: 'assistant', content: record.output });
  return { messages };
}
