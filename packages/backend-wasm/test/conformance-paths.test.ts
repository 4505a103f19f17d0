// The conformance suite once more on each code path of the wasm matMul: the kernel forced to
// compute C = A·B, forced to compute Cᵀ = Bᵀ·Aᵀ, and tfjs' own kernel behind gptft's op-level
// fallbacks (transposes materialised, batches split).
import { runBackendConformance } from '@gptft/backend/conformance';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { setFastMatMulRoute } from '../src/index.js';

runBackendConformance(
  'wasm',
  { describe, it, beforeAll },
  {},
  { label: 'route direct', setup: () => setFastMatMulRoute('direct') },
);
runBackendConformance(
  'wasm',
  { describe, it, beforeAll },
  {},
  { label: 'route transposed', setup: () => setFastMatMulRoute('transposed') },
);
runBackendConformance('wasm', { describe, it, beforeAll }, { fastMatMul: false }, { label: "tfjs' kernel" });
afterAll(() => setFastMatMulRoute('auto'));
