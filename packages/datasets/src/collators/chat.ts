/**
 * Chat data for supervised fine-tuning: conversations (chat `{ messages }`, ShareGPT
 * `{ conversations }`, Alpaca `{ instruction, input, output }`) tokenized with the tokenizer's chat
 * template, labelled on the assistant replies only (TRL `assistant_only_loss`) or on everything,
 * truncated, and padded into causal-LM batches.
 */
import type { ApplyChatTemplateOptions, ChatEncoding } from '@gptft/tokenizer';
import { type AlpacaToChatOptions, alpacaToChat, shareGptToChat } from '../convert.js';
import { DataError } from '../errors.js';
import { alpacaRecord, type ChatMessage, chatRecord, shareGptRecord } from '../schemas.js';
import { validateRecord } from '../validate.js';
import { type Collator, IGNORE_INDEX, type PaddingOptions } from './batch.js';
import { padRows } from './pad.js';

/** What the chat collator needs from a tokenizer (`@gptft/tokenizer`'s `GPT2Tokenizer` fits). */
export interface ChatTokenizer {
  applyChatTemplate(
    messages: readonly { role: string; content: unknown }[],
    options: ApplyChatTemplateOptions & { returnAssistantTokensMask: true },
  ): ChatEncoding;
}

/** The record formats the chat collator accepts. */
export type ChatFormat = 'chat' | 'sharegpt' | 'alpaca';

/** Options of {@link toChatMessages}. */
export interface ToChatMessagesOptions {
  /** The record format; default: detected from the keys (`messages`, `conversations`, `instruction`). */
  format?: ChatFormat;
  /** How Alpaca records become a conversation (system message, input separator). */
  alpaca?: AlpacaToChatOptions;
  /** Where the record came from, for error messages. */
  source?: { file: string; line: number };
}

function detectFormat(record: unknown): ChatFormat | undefined {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return undefined;
  if ('messages' in record) return 'chat';
  if ('conversations' in record) return 'sharegpt';
  if ('instruction' in record) return 'alpaca';
  return undefined;
}

/**
 * A record's conversation as chat messages, validated with the `@gptft/datasets` schemas (errors
 * name the file, line and field): chat records as they are, ShareGPT via `shareGptToChat`,
 * Alpaca via `alpacaToChat`.
 */
export function toChatMessages(record: unknown, options: ToChatMessagesOptions = {}): ChatMessage[] {
  const where = { file: options.source?.file ?? '', line: options.source?.line ?? 0, value: record };
  const format = options.format ?? detectFormat(record);
  const fail = (e: DataError): never => {
    throw options.source ? e : new DataError(e.reason, { field: e.field });
  };
  if (format === undefined) {
    fail(
      new DataError(
        'not a conversation: expected { messages: [...] } (chat), { conversations: [...] } (ShareGPT) or { instruction, input, output } (Alpaca)',
        where,
      ),
    );
  }
  if (format === 'chat') {
    const r = validateRecord(chatRecord, where);
    if (!r.success) return fail(r.error);
    return r.data.messages;
  }
  if (format === 'sharegpt') {
    const r = validateRecord(shareGptRecord, where);
    if (!r.success) return fail(r.error);
    return shareGptToChat(r.data).messages;
  }
  const r = validateRecord(alpacaRecord, where);
  if (!r.success) return fail(r.error);
  return alpacaToChat(r.data, options.alpaca).messages;
}

/** Options of {@link tokenizeChat} and {@link chatCollator}. */
export interface ChatTokenizeOptions extends Omit<ToChatMessagesOptions, 'source'> {
  tokenizer: ChatTokenizer;
  /**
   * Labels only on assistant replies (default true): system and user turns and the template's
   * scaffolding (`<|im_start|>assistant\n`, …) are -100; each reply and its end-of-turn token
   * (`<|im_end|>`) keep their ids, as TRL's `assistant_only_loss`. false: every token is labelled.
   */
  assistantOnlyLoss?: boolean;
  /** Cut conversations longer than this many tokens (from the right, as TRL). Default: no limit. */
  maxLength?: number;
  /** A chat template (or the name of one of the tokenizer's) instead of the tokenizer's own. */
  chatTemplate?: string;
  /** For templates without `{% generation %}`: the token that ends an assistant turn (see `@gptft/tokenizer`). */
  endOfTurnToken?: string;
}

/** One tokenized conversation: ids and unshifted labels (-100 where no loss), ready to pad or pack. */
export interface ChatExample {
  inputIds: number[];
  labels: number[];
  /** 1 on the tokens of assistant replies (the tokenizer's assistant mask, before truncation). */
  assistantMask: number[];
}

/**
 * Tokenizes one conversation record with the chat template and labels it (see
 * {@link ChatTokenizeOptions.assistantOnlyLoss}).
 */
export function tokenizeChat(
  record: unknown,
  options: ChatTokenizeOptions,
  source?: { file: string; line: number },
): ChatExample {
  const messages = toChatMessages(record, { ...options, ...(source ? { source } : {}) });
  const enc = options.tokenizer.applyChatTemplate(messages, {
    returnAssistantTokensMask: true,
    ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
    ...(options.endOfTurnToken !== undefined ? { endOfTurnToken: options.endOfTurnToken } : {}),
  });
  let inputIds = enc.inputIds;
  let mask = enc.assistantMasks ?? inputIds.map(() => 0);
  const max = options.maxLength;
  if (max !== undefined) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`maxLength: expected a positive integer, got ${max}`);
    inputIds = inputIds.slice(0, max);
    mask = mask.slice(0, max);
  }
  const onlyAssistant = options.assistantOnlyLoss ?? true;
  const labels = onlyAssistant ? inputIds.map((id, i) => (mask[i] ? id : IGNORE_INDEX)) : inputIds.slice();
  return { inputIds, labels, assistantMask: mask };
}

/** Options of {@link chatCollator}: tokenizing plus padding. */
export interface ChatCollatorOptions extends ChatTokenizeOptions, PaddingOptions {}

/**
 * A collator from conversation records (chat, ShareGPT or Alpaca) to causal-LM batches: each
 * record is tokenized with {@link tokenizeChat}, then rows are padded (`padTokenId`, right by
 * default) with -100 labels on padding. Already tokenized {@link ChatExample}s pass straight to
 * padding.
 */
export function chatCollator(options: ChatCollatorOptions): Collator<unknown> {
  return (records) =>
    padRows(
      records.map((r) => (isChatExample(r) ? r : tokenizeChat(r, options))),
      options,
      'chatCollator',
      'given',
    );
}

function isChatExample(r: unknown): r is ChatExample {
  return r !== null && typeof r === 'object' && 'inputIds' in r && 'labels' in r;
}
