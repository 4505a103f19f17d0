/**
 * Turning conversation records into SFT training batches: the `@gptft/datasets` chat collator's
 * tokenization (chat template, assistant-only labels, truncation), optional packing into blocks,
 * padding into causal-LM batches.
 */
import {
  type Batch,
  type ChatExample,
  type ChatTokenizer,
  causalLMCollator,
  IGNORE_INDEX,
  Packer,
  tokenizeChat,
} from '@gptft/datasets';
import type { SFTFields } from './sft-config.js';

/** Counts of what {@link prepareSftBatches} made. */
export interface SftDataStats {
  /** Records tokenized. */
  examples: number;
  /** Records dropped because no token was left to learn from (e.g. the reply was cut off by maxLength). */
  dropped: number;
  /** Records cut to `maxLength` (without packing). */
  truncated: number;
  /** Tokens in the batches (padding excluded). */
  tokens: number;
  /** Tokens with a label (the loss is averaged over these). */
  labelledTokens: number;
  batches: number;
}

/** Options of {@link prepareSftBatches}. */
export interface SftDataOptions {
  tokenizer: ChatTokenizer;
  sft: SFTFields;
  batchSize: number;
  /** Id written into padding (labels there are -100 whatever it is). */
  padTokenId: number;
}

/**
 * Tokenizes records (chat, ShareGPT or Alpaca; see `tokenizeChat` in `@gptft/datasets`) and groups
 * them into padded batches of `batchSize` in the order given (the Trainer shuffles batches). With
 * `packing`, conversations are concatenated into blocks of `maxLength` tokens first (a
 * conversation may continue into the next block; no separator is added, since each conversation
 * already ends with the template's end-of-turn text). Records whose labels are all -100 are dropped
 * and counted.
 */
export function prepareSftBatches(
  records: Iterable<unknown>,
  options: SftDataOptions,
): { batches: Batch[]; stats: SftDataStats } {
  const { sft, tokenizer, batchSize } = options;
  const collate = causalLMCollator({
    padTokenId: options.padTokenId,
    ...(sft.padToMultipleOf !== undefined ? { padToMultipleOf: sft.padToMultipleOf } : {}),
  });
  const stats: SftDataStats = {
    examples: 0,
    dropped: 0,
    truncated: 0,
    tokens: 0,
    labelledTokens: 0,
    batches: 0,
  };
  const tokenizeOptions = {
    tokenizer,
    assistantOnlyLoss: sft.assistantOnlyLoss,
    ...(sft.chatTemplate !== undefined ? { chatTemplate: sft.chatTemplate } : {}),
    ...(sft.endOfTurnToken !== undefined ? { endOfTurnToken: sft.endOfTurnToken } : {}),
    ...(sft.datasetFormat !== undefined ? { format: sft.datasetFormat } : {}),
    ...(sft.alpacaSystemMessage !== undefined ? { alpaca: { system: sft.alpacaSystemMessage } } : {}),
  };
  const rows: { inputIds: number[]; labels: number[]; positionIds?: number[]; documentIds?: number[] }[] = [];
  const packer =
    sft.packing && sft.maxLength !== null
      ? new Packer({
          blockSize: sft.maxLength,
          eosTokenId: null,
          isolateDocuments: sft.packingIsolateDocuments,
          dropRemainder: false,
        })
      : undefined;
  let index = 0;
  for (const record of records) {
    let ex: ChatExample;
    try {
      ex = tokenizeChat(record, tokenizeOptions);
    } catch (e) {
      (e as Error).message = `record ${index}: ${(e as Error).message}`;
      throw e;
    }
    index++;
    stats.examples++;
    if (!packer && sft.maxLength !== null && ex.inputIds.length > sft.maxLength) {
      ex = {
        ...ex,
        inputIds: ex.inputIds.slice(0, sft.maxLength),
        labels: ex.labels.slice(0, sft.maxLength),
      };
      stats.truncated++;
    }
    if (!ex.labels.some((l) => l !== IGNORE_INDEX)) {
      stats.dropped++;
      continue;
    }
    if (packer) rows.push(...packer.add(ex));
    else rows.push({ inputIds: ex.inputIds, labels: ex.labels });
  }
  if (packer) rows.push(...packer.finish());
  if (rows.length === 0) throw new Error('SFT: no training example left (all records empty or fully masked)');
  const batches: Batch[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = collate(rows.slice(i, i + batchSize));
    batches.push(batch);
    stats.tokens += batch.numTokens;
    for (const l of batch.labels) if (l !== IGNORE_INDEX) stats.labelledTokens++;
  }
  stats.batches = batches.length;
  return { batches, stats };
}
