// What gptft's BatchMatMul kernel for wasm did (fast-mat-mul.ts routes, gemm.ts computes).

/**
 * Counters of what the kernel did since the process started (or the last `resetFastMatMulStats`):
 * tests use them to prove which path ran.
 */
export const fastMatMulStats = {
  calls: 0,
  xnnCalls: 0,
  gemmCalls: 0,
  /** Products on weights packed once and kept (`gemm_packed`), and weights packed so. */
  packedCalls: 0,
  packs: 0,
  /** `gemm` and `gemm_packed` calls split over the helper thread. */
  gemmSplit: 0,
  rowsCalls: 0,
  transposedFloats: 0,
  fallbacks: 0,
};

/** Resets `fastMatMulStats`. */
export function resetFastMatMulStats(): void {
  for (const key of Object.keys(fastMatMulStats) as (keyof typeof fastMatMulStats)[])
    fastMatMulStats[key] = 0;
}
