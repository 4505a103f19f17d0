// Without @tensorflow/tfjs-node-gpu (its install downloads the CUDA build of libtensorflow), the
// tensorflow-gpu backend fails with an error naming what to install and why; `auto` skips it.
import { BackendUnavailableError, useBackend } from '@gptft/backend';
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

describe('tensorflow-gpu without @tensorflow/tfjs-node-gpu', () => {
  it("useBackend('tensorflow-gpu') names the binding and that it is not installed", async () => {
    const error = await rejection(useBackend('tensorflow-gpu'));
    expect(error.backend).toBe('tensorflow-gpu');
    expect(error.packages).toEqual(['@gptft/backend-node-gpu', '@tensorflow/tfjs-node-gpu']);
    expect(error.reason).toBe(
      '@tensorflow/tfjs-node-gpu is not installed (its install script downloads the GPU build of libtensorflow 2.9.1 from storage.googleapis.com)',
    );
    expect(error.message).toContain('pnpm add @gptft/backend-node-gpu @tensorflow/tfjs-node-gpu');
  });

  it("useBackend('tensorflow') finds @gptft/backend-node (a dependency) and names @tensorflow/tfjs-node", async () => {
    const error = await rejection(useBackend('tensorflow'));
    expect(error.reason).toMatch(/^@tensorflow\/tfjs-node is not installed/);
  });

  it("useBackend('auto') picks wasm and says why it skipped both", async () => {
    const active = await useBackend('auto');
    expect(active.name).toBe('wasm');
    expect(active.reason).toContain('tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed');
    expect(active.reason).toContain('tensorflow: @tensorflow/tfjs-node is not installed');
  });
});
