import { type Collator, checkPaddingOptions, type PaddingOptions, type TokenIds } from './batch.js';
import { padRows } from './pad.js';

/** One tokenized example for causal language modelling. */
export interface CausalLMExample {
  inputIds: TokenIds;
  /** 1 for real tokens, 0 for tokens to ignore (default: all 1). */
  attentionMask?: TokenIds;
  /**
   * Pre-set labels (e.g. an SFT mask with -100 on prompt tokens); default: the input ids. Not
   * shifted: the model predicts `labels[t]` from tokens `< t`, as HF does.
   */
  labels?: TokenIds;
  /** Positions (packed blocks); see {@link Batch}. */
  positionIds?: TokenIds;
  /** Document index per token (packed blocks); see {@link Batch}. */
  documentIds?: TokenIds;
}

/**
 * The causal-LM collator (HF `DataCollatorForLanguageModeling(mlm=False)`): pads input ids with
 * `padTokenId` (right by default), builds the attention mask and sets `labels` to the input ids
 * with every padded or masked-out position at -100. The model shifts labels itself.
 *
 * Labels come from the attention mask, never from comparing ids with the pad id, so with
 * `pad = eos` (the GPT-2 habit) real EOS tokens keep their labels — unlike HF's collator, which
 * turns every `pad_token_id` label into -100. Examples that carry `labels` (SFT masks) keep them,
 * padded with -100. Examples that carry `positionIds`/`documentIds` (packed blocks) keep them,
 * padded with 0/-1.
 */
export function causalLMCollator(options: PaddingOptions): Collator<CausalLMExample> {
  checkPaddingOptions(options, 'causalLMCollator');
  return (examples) => padRows(examples, options, 'causalLMCollator', 'inputs');
}
