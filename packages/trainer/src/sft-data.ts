/**
 * Turning conversation records into SFT training batches: the `@gptft/datasets` chat collator's
 * tokenization (chat template, assistant-only labels, truncation), optional packing into blocks,
 * padding into causal-LM batches.
 */
import {
  type Batch,
  type ChatExample,
  type Collator,
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

/** One tokenized (or packed) SFT row, ready for the causal-LM collator. */
export interface SftRow {
  inputIds: number[];
  labels: number[];
  positionIds?: number[];
  documentIds?: number[];
}

/** The causal-LM collator SFT pads its rows with (pad id, `padToMultipleOf`). */
export function sftCollator(options: Pick<SftDataOptions, 'sft' | 'padTokenId'>): Collator<SftRow> {
  return causalLMCollator({
    padTokenId: options.padTokenId,
    ...(options.sft.padToMultipleOf !== undefined ? { padToMultipleOf: options.sft.padToMultipleOf } : {}),
  });
}

/**
 * Tokenizes records (chat, ShareGPT or Alpaca; see `tokenizeChat` in `@gptft/datasets`) into
 * rows for the causal-LM collator ({@link sftCollator}), in the order given. With `packing`,
 * conversations are concatenated into blocks of `maxLength` tokens first (a conversation may
 * continue into the next block; no separator is added, since each conversation already ends with
 * the template's end-of-turn text). Records whose labels are all -100 are dropped and counted.
 * `stats.batches` counts batches of `batchSize` rows.
 */
export function prepareSftExamples(
  records: Iterable<unknown>,
  options: SftDataOptions,
): { examples: SftRow[]; stats: SftDataStats } {
  const { sft, tokenizer, batchSize } = options;
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
  const rows: SftRow[] = [];
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
  for (const r of rows) {
    stats.tokens += r.inputIds.length;
    for (const l of r.labels) if (l !== IGNORE_INDEX) stats.labelledTokens++;
  }
  stats.batches = Math.ceil(rows.length / batchSize);
  return { examples: rows, stats };
}

/**
 * {@link prepareSftExamples}, then padded batches of `batchSize` rows in the order given (the
 * `SFTTrainer` itself batches its rows afresh every epoch).
 */
export function prepareSftBatches(
  records: Iterable<unknown>,
  options: SftDataOptions,
): { batches: Batch[]; stats: SftDataStats } {
  const { examples, stats } = prepareSftExamples(records, options);
  const collate = sftCollator(options);
  const batches: Batch[] = [];
  for (let i = 0; i < examples.length; i += options.batchSize) {
    batches.push(collate(examples.slice(i, i + options.batchSize)));
  }
  return { batches, stats };
}
