/**
 * API of `@gptft/nn` (see its README for a guided tour).
 *
 * @module @gptft/nn
 */
export * from '@gptft/nn';
