// The conformance suite in headless Chromium's WebGPU (navigator.gpu; SwiftShader without a GPU),
// through the page in test/browser/ served from 127.0.0.1 (@gptft/browser-harness). Chromium comes
// from Debian's chromium package (.ci/run installs it); a missing one fails, never skips.
import { fileURLToPath } from 'node:url';
import { runInChromium } from '@gptft/browser-harness';
import { conformanceCases } from '@gptft/backend/conformance';
import { describe, expect, it } from 'vitest';

describe('headless Chromium WebGPU', () => {
  it('the conformance suite and the page-side checks pass on navigator.gpu', async () => {
    const entry = fileURLToPath(new URL('./browser/conformance.page.ts', import.meta.url));
    const { result, errors } = (await runInChromium(entry, { timeoutMs: 1_200_000 })) as {
      result: {
        error?: string;
        hasGpu: boolean;
        backend: string;
        reason: string;
        outcomes: { name: string; ok: boolean; error?: string }[];
      };
      errors: string[];
    };
    expect(result.error, errors.join('\n')).toBeUndefined();
    expect(result.hasGpu, JSON.stringify(result).slice(0, 2000)).toBe(true);
    expect(result.backend).toBe('webgpu');
    expect(result.reason).toMatch(/^asked for "webgpu"; /);
    const failed = result.outcomes.filter((o) => !o.ok);
    expect(failed).toEqual([]);
    expect(result.outcomes).toHaveLength(conformanceCases.length + 2);
  }, 1_500_000);
});
