import { type Collator, checkPaddingOptions, type PaddingOptions, type TokenIds } from './batch.js';
import { padRows } from './pad.js';

/** One tokenized example for token classification, labels already aligned to tokens (-100 = ignored). */
export interface TokenClassificationExample {
  inputIds: TokenIds;
  attentionMask?: TokenIds;
  /** One label id per token; -100 for tokens without a label (see `alignLabelsWithTokens`). */
  labels: TokenIds;
}

/**
 * The token-classification collator (HF `DataCollatorForTokenClassification`): pads input ids,
 * masks and labels (labels with -100) on the same side; `labels` has the batch's shape.
 */
export function tokenClassificationCollator(options: PaddingOptions): Collator<TokenClassificationExample> {
  checkPaddingOptions(options, 'tokenClassificationCollator');
  return (examples) => padRows(examples, options, 'tokenClassificationCollator', 'given');
}
