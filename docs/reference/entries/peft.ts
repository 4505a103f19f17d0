/**
 * API of `@gptft/peft` (see its README for a guided tour).
 *
 * @module @gptft/peft
 */
export * from '@gptft/peft';
