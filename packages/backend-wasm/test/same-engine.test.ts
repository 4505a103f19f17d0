// One tfjs-core engine per process, whichever package asks: @gptft/backend's `tf`, the tfjs-core
// this package resolves, the one @tensorflow/tfjs-backend-wasm registered its kernels with, and the
// one @gptft/backend registered tfjs-core's gradients with.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { currentBackend, registeredBackends, tf, useBackend } from '@gptft/backend';
import * as core from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastMatMulInstalled } from '../src/index.js';

const require = createRequire(import.meta.url);
const requireFrom = (pkg: string) => createRequire(require.resolve(pkg));
const backendDir = require.resolve('@gptft/backend/package.json');

beforeAll(async () => {
  await useBackend('wasm');
});

describe('one tfjs engine across packages', () => {
  it('@gptft/backend and this package resolve the same tfjs-core file', () => {
    const ours = realpathSync(require.resolve('@tensorflow/tfjs-core'));
    const fromBackend = realpathSync(createRequire(backendDir).resolve('@tensorflow/tfjs-core'));
    const fromWasm = realpathSync(
      requireFrom('@tensorflow/tfjs-backend-wasm').resolve('@tensorflow/tfjs-core'),
    );
    expect(fromBackend).toBe(ours);
    expect(fromWasm).toBe(ours);
  });

  it('tf.engine() is the same object from @gptft/backend, tfjs-core and the wasm package', () => {
    expect(tf.engine()).toBe(core.engine());
    const wasmCore = requireFrom('@tensorflow/tfjs-backend-wasm')('@tensorflow/tfjs-core') as typeof core;
    expect(wasmCore.engine()).toBe(tf.engine());
  });

  it("the wasm package's kernels and tfjs-core's gradients are visible through @gptft/backend's tf", () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(core.getBackend()).toBe('wasm');
    expect(tf.getKernelsForBackend('wasm').length).toBeGreaterThan(100);
    // gptft's replacement kernel, registered by this package, is the one tf sees
    expect(fastMatMulInstalled()).toBe(true);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(core.getKernel('BatchMatMul', 'wasm'));
    expect(tf.getGradient('Mean')).toBeDefined();
    const t = core.tensor1d([1, 2, 3]);
    expect(tf.memory().numTensors).toBe(core.memory().numTensors);
    t.dispose();
  });

  it('one gptft registry: the backend this package registered is the one @gptft/backend selected', () => {
    expect(registeredBackends().map((b) => b.name)).toContain('wasm');
    expect(currentBackend()?.name).toBe('wasm');
  });
});
