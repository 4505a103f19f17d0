/**
 * API of `@gptft/peft-adalora` (see its README for a guided tour).
 *
 * @module @gptft/peft-adalora
 */
export * from '@gptft/peft-adalora';
