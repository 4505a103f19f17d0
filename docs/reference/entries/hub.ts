/**
 * API of `@gptft/hub` (see its README for a guided tour).
 *
 * @module @gptft/hub
 */
export * from '@gptft/hub';
