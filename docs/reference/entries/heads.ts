/**
 * API of `@gptft/heads` (see its README for a guided tour).
 *
 * @module @gptft/heads
 */
export * from '@gptft/heads';
