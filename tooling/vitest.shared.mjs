// Shared Vitest settings for every @gptft package: `export default sharedVitestConfig()` from a
// package's vitest.config.mjs, or merge your own options over it.
import { defineConfig } from 'vitest/config';

/** @param {import('vitest/config').UserConfig['test']} [overrides] */
export function sharedVitestConfig(overrides = {}) {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'node',
      // Numerical tests are CPU bound; two machines' worth of cores is all CI has.
      pool: 'forks',
      poolOptions: { forks: { singleFork: false, maxForks: 2, minForks: 1 } },
      testTimeout: 120_000,
      hookTimeout: 120_000,
      reporters: process.env.CI ? ['default'] : ['default'],
      // The wasm backend's default thread count follows the machine's load; tests run on one thread
      // unless they ask for more (options.threads), so what they compute does not depend on load.
      env: { GPTFT_WASM_THREADS: process.env.GPTFT_WASM_THREADS ?? '1' },
      ...overrides,
    },
  });
}
