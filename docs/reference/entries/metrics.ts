/**
 * API of `@gptft/metrics` (see its README for a guided tour).
 *
 * @module @gptft/metrics
 */
export * from '@gptft/metrics';
