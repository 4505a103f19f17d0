// auto takes WebGPU only on a real GPU; a software adapter (SwiftShader here) is skipped with the
// reason, while useBackend('webgpu') still runs on it.
import { BackendUnavailableError, tf, useBackend } from '@gptft/backend';
import '@gptft/backend-wasm';
import { describe, expect, it } from 'vitest';
import { softwareAdapterReason, webgpuInfo } from '../src/index.js';

describe('auto and software adapters', () => {
  it('auto skips the SwiftShader adapter, saying why, and picks the next backend', async () => {
    const active = await useBackend('auto');
    expect(active.name).toBe('wasm');
    expect(active.reason).toMatch(
      /webgpu: the adapter is a software rasteriser \(SwiftShader[^)]*\(google swiftshader\)\); useBackend\('webgpu'\) runs on it anyway/,
    );
  });

  it("useBackend('webgpu') runs on it and says so", async () => {
    const active = await useBackend('webgpu');
    expect(active.name).toBe('webgpu');
    expect(active.capabilities.gpu).toBe(true);
    expect(active.reason).toMatch(
      /^asked for "webgpu"; SwiftShader driver [\d.]+ \(google swiftshader\), software; float32;/,
    );
    expect(tf.getBackend()).toBe('webgpu');
    expect(webgpuInfo()!.adapter.isFallbackAdapter).toBe(true);
  });

  it('software adapters are recognised by name whatever their flag; real GPUs are not', () => {
    const base = {
      vendor: '',
      architecture: '',
      device: '',
      description: '',
      isFallbackAdapter: false,
      maxStorageBufferBindingSize: 2 ** 30,
      maxBufferSize: 2 ** 30,
      features: [],
    };
    const llvmpipe = { ...base, vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' };
    const lavapipe = { ...base, vendor: 'mesa', architecture: 'lavapipe' };
    const warp = { ...base, vendor: 'microsoft', description: 'Microsoft Basic Render Driver' };
    const nvidia = {
      ...base,
      vendor: 'nvidia',
      architecture: 'hopper',
      description: 'NVIDIA H100 80GB HBM3',
    };
    expect(softwareAdapterReason(llvmpipe)).toMatch(/software rasteriser \(llvmpipe/);
    expect(softwareAdapterReason(lavapipe)).toMatch(/software rasteriser/);
    expect(softwareAdapterReason(warp)).toMatch(/software rasteriser/);
    expect(softwareAdapterReason({ ...base, isFallbackAdapter: true })).toMatch(
      /fallback \(software\) adapter/,
    );
    expect(softwareAdapterReason(nvidia)).toBeUndefined();
  });

  it('an unknown backend name still throws the registry error', async () => {
    await expect(useBackend('webgpu2')).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});
