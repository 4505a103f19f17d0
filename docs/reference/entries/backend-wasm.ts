/**
 * API of `@gptft/backend-wasm` (see its README for a guided tour).
 *
 * @module @gptft/backend-wasm
 */
export * from '@gptft/backend-wasm';
