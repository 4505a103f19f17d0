import { describe, expect, it } from 'vitest';
import { main as backendSmoke } from '../examples/backend-smoke.js';

describe('docs examples run', () => {
  it('backend-smoke computes sum((x·W)²) and its gradient', async () => {
    const lines: string[] = [];
    const loss = await backendSmoke((l) => lines.push(l));
    // x·W = [[-0.5, 6], [0.25, 12]] → 0.25 + 36 + 0.0625 + 144 (hand-computed)
    expect(loss).toBeCloseTo(180.3125, 4);
    // dL/dW = 2·xᵀ·(x·W) = 2·[[1,4],[2,5],[3,6]]·[[-0.5,6],[0.25,12]] (hand-computed)
    expect(lines.join('\n')).toContain('d/dW = [1,108,0.5,144,0,180]');
    expect(lines[0]).toMatch(/^backend: wasm/);
  });
});
