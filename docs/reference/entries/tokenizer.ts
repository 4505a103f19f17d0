/**
 * API of `@gptft/tokenizer` (see its README for a guided tour).
 *
 * @module @gptft/tokenizer
 */
export * from '@gptft/tokenizer';
