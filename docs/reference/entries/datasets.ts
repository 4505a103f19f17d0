/**
 * API of `@gptft/datasets` (see its README for a guided tour).
 *
 * @module @gptft/datasets
 */
export * from '@gptft/datasets';
