// Without @tensorflow/tfjs-node (it cannot be installed here: its install downloads libtensorflow),
// selecting the tensorflow backends fails with an error that names what to install and why, and
// `auto` skips them and says so.
import { BackendUnavailableError, currentBackend, useBackend } from '@gptft/backend';
import { describe, expect, it } from 'vitest';
import '@gptft/backend-wasm';
import '../src/index.js';

async function rejection(p: Promise<unknown>): Promise<BackendUnavailableError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendUnavailableError);
    return error as BackendUnavailableError;
  }
  throw new Error('expected a BackendUnavailableError');
}

describe('tensorflow backends without their bindings', () => {
  it("useBackend('tensorflow'): names @tensorflow/tfjs-node and that it is not installed", async () => {
    const error = await rejection(useBackend('tensorflow'));
    expect(error.backend).toBe('tensorflow');
    expect(error.packages).toEqual(['@gptft/backend-node', '@tensorflow/tfjs-node']);
    expect(error.reason).toBe(
      '@tensorflow/tfjs-node is not installed (its install script downloads libtensorflow 2.9.1 from storage.googleapis.com)',
    );
    expect(error.message).toContain('pnpm add @gptft/backend-node @tensorflow/tfjs-node');
    expect(error.stack).not.toMatch(/tfjs-core/);
  });

  it("useBackend('tensorflow-gpu'): names @gptft/backend-node-gpu when that package is absent", async () => {
    const error = await rejection(useBackend('tensorflow-gpu'));
    expect(error.backend).toBe('tensorflow-gpu');
    expect(error.packages).toEqual(['@gptft/backend-node-gpu', '@tensorflow/tfjs-node-gpu']);
    expect(error.reason).toBe('the package @gptft/backend-node-gpu is not installed');
    expect(error.message).toContain('pnpm add @gptft/backend-node-gpu @tensorflow/tfjs-node-gpu');
  });

  it("useBackend('auto') skips both and picks wasm, saying why", async () => {
    const active = await useBackend('auto');
    expect(active.name).toBe('wasm');
    expect(currentBackend()?.name).toBe('wasm');
    expect(active.reason).toMatch(/^auto picked "wasm" \(skipped: /);
    expect(active.reason).toContain('tensorflow-gpu: the package @gptft/backend-node-gpu is not installed');
    expect(active.reason).toContain('tensorflow: @tensorflow/tfjs-node is not installed');
  });
});
