/**
 * API of `@gptft/backend` (see its README for a guided tour).
 *
 * @module @gptft/backend
 */
export * from '@gptft/backend';
