/**
 * The backend conformance suite: every gptft backend package runs it against itself. Each case
 * computes on the current backend and compares with float64 JavaScript references (no tfjs in the
 * reference path), forward and gradients (`tf.grad`, `tf.variableGrads`).
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll } from 'vitest';
 * import { runBackendConformance } from '@gptft/backend/conformance';
 * import '@gptft/backend-wasm';
 * runBackendConformance('wasm', { describe, it, beforeAll });
 * ```
 */
import { type BackendName, type BackendOptions, currentBackend, useBackend } from '../registry.js';
import { tf } from '../tf.js';
import { ConformanceError } from './assert.js';
import type { ConformanceCase } from './case.js';
import { attentionCases } from './cases/attention.js';
import { crossEntropyCases } from './cases/cross-entropy.js';
import { embeddingCases, gatherScatterCases } from './cases/embedding.js';
import { geluCases } from './cases/gelu.js';
import { layerNormCases } from './cases/layer-norm.js';
import { matMulCases } from './cases/mat-mul.js';
import { shapeCases } from './cases/shape.js';
import { softmaxCases } from './cases/softmax.js';

export { assertClose, assertShape, ConformanceError, FLOAT32, type Tolerance } from './assert.js';
export type { ConformanceCase } from './case.js';

/** All conformance cases, grouped by `group`. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...matMulCases,
  ...softmaxCases,
  ...layerNormCases,
  ...geluCases,
  ...gatherScatterCases,
  ...embeddingCases,
  ...shapeCases,
  ...crossEntropyCases,
  ...attentionCases,
];

/** Runs one case and checks that it left no tensors behind. */
export async function runConformanceCase(c: ConformanceCase): Promise<void> {
  const before = tf.memory().numTensors;
  await c.run();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new ConformanceError(`${c.group} / ${c.name}: leaked ${after - before} tensor(s)`);
  }
}

/** The test-framework functions the suite registers its tests with (vitest's, jest's, mocha's). */
export interface TestRegistrar {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  beforeAll(body: () => Promise<void>): void;
}

/** How a conformance run is labelled and prepared. */
export interface ConformanceSuiteOptions {
  /** Added to the suite's title, e.g. the configuration under test. */
  label?: string;
  /** Runs after the backend is selected, before the first case (e.g. to force a code path). */
  setup?: () => void | Promise<void>;
}

/**
 * Registers the conformance suite as tests: selects `backend` (with `options`) and runs
 * `suite.setup` before the tests, then one test per case, in one `describe` per group.
 */
export function runBackendConformance(
  backend: BackendName,
  t: TestRegistrar,
  options: BackendOptions = {},
  suite: ConformanceSuiteOptions = {},
): void {
  const title = `gptft backend conformance: ${backend}${suite.label ? ` (${suite.label})` : ''}`;
  t.describe(title, () => {
    t.beforeAll(async () => {
      await useBackend(backend, options);
      await suite.setup?.();
    });
    const groups = new Map<string, ConformanceCase[]>();
    for (const c of conformanceCases) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
    for (const [group, cases] of groups) {
      t.describe(group, () => {
        for (const c of cases) {
          t.it(c.name, async () => {
            if (currentBackend()?.name !== backend) {
              throw new ConformanceError(
                `backend "${currentBackend()?.name}" is selected, not "${backend}": run suites one after another`,
              );
            }
            await runConformanceCase(c);
          });
        }
      });
    }
  });
}
