/**
 * API of `@gptft/serve` (see its README and the "Serve it" guide).
 *
 * @module @gptft/serve
 */
export * from '@gptft/serve';
