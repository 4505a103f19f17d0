// The cpu kernels this package registers land in the engine @gptft/backend's `tf` uses.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tf, useBackend } from '@gptft/backend';
import * as core from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

const require = createRequire(import.meta.url);

describe('one tfjs engine across packages', () => {
  it('tfjs-backend-cpu, @gptft/backend and this package share tfjs-core and its engine', async () => {
    const ours = realpathSync(require.resolve('@tensorflow/tfjs-core'));
    const fromCpu = realpathSync(
      createRequire(require.resolve('@tensorflow/tfjs-backend-cpu')).resolve('@tensorflow/tfjs-core'),
    );
    const fromBackend = realpathSync(
      createRequire(require.resolve('@gptft/backend/package.json')).resolve('@tensorflow/tfjs-core'),
    );
    expect(fromCpu).toBe(ours);
    expect(fromBackend).toBe(ours);
    expect(tf.engine()).toBe(core.engine());
    await useBackend('cpu');
    expect(core.getBackend()).toBe('cpu');
    expect(tf.getKernel('BatchMatMul', 'cpu')).toBe(core.getKernel('BatchMatMul', 'cpu'));
  });
});
