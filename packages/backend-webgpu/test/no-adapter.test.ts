// No usable Vulkan driver: useBackend('webgpu') fails with BackendUnavailableError saying why (what
// Dawn and the Vulkan loader said, which drivers were tried), and auto skips it with that reason.
// The driver list must be set before Dawn starts, hence this file of its own.
import { BackendUnavailableError, useBackend } from '@gptft/backend';
import '@gptft/backend-wasm';
import { describe, expect, it } from 'vitest';

process.env.VK_ICD_FILENAMES = '/nonexistent/gptft-test-icd.json';
const { webgpuBackend } = await import('../src/index.js');

describe('no WebGPU adapter', () => {
  it("useBackend('webgpu') throws BackendUnavailableError with the reason", async () => {
    const error = (await useBackend('webgpu').catch((e: unknown) => e)) as BackendUnavailableError;
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.backend).toBe('webgpu');
    expect(error.packages).toEqual(['@gptft/backend-webgpu']);
    expect(error.reason).toMatch(/^no WebGPU adapter: /);
    expect(error.reason).toContain('Vulkan drivers tried: /nonexistent/gptft-test-icd.json');
    expect(error.reason).toMatch(/Dawn said: .*(no drivers|gptft-test-icd\.json)/i);
    expect(error.message.split('\n')[0]).toBe(`Backend "webgpu" is not available: ${error.reason}`);
  });

  it('auto skips it with the same reason and picks the next backend', async () => {
    const active = await useBackend('auto');
    expect(active.name).toBe('wasm');
    expect(active.reason).toMatch(/webgpu: no WebGPU adapter: .*Vulkan drivers tried: \/nonexistent/);
    await expect(webgpuBackend.autoSkipReason!({})).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});
