/**
 * API of `@gptft/trainer` (see its README for a guided tour).
 *
 * @module @gptft/trainer
 */
export * from '@gptft/trainer';
