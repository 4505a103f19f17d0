/**
 * API of `@gptft/gpt2-model` (see its README for a guided tour).
 *
 * @module @gptft/gpt2-model
 */
export * from '@gptft/gpt2-model';
