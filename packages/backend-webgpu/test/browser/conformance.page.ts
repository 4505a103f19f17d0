/// <reference lib="dom" />
// Runs in headless Chromium (test/browser.test.ts): the backend conformance suite on the page's
// navigator.gpu, plus the checks that differ from Node (tfjs' own readSync; errors delivered as
// events). Reports every case's outcome.
import { matMul, tf, useBackend } from '@gptft/backend';
import { conformanceCases, runConformanceCase } from '@gptft/backend/conformance';
import { report } from '@gptft/browser-harness/page';
import { setWebGPUOptions, WebGPUBindingSizeError, webgpuInfo } from '../../src/index.js';

interface Outcome {
  name: string;
  ok: boolean;
  error?: string;
}

async function main() {
  const hasGpu = 'gpu' in navigator;
  const outcomes: Outcome[] = [];
  const check = async (name: string, f: () => void | Promise<void>) => {
    try {
      await f();
      outcomes.push({ name, ok: true });
    } catch (e) {
      outcomes.push({ name, ok: false, error: (e as Error).message });
    }
  };
  const active = await useBackend('webgpu');
  for (const c of conformanceCases) await check(`${c.group} / ${c.name}`, () => runConformanceCase(c));
  await check('dataSync on the page (tfjs readSync)', () => {
    const x = tf.tensor1d(Float32Array.from({ length: 3000 }, (_, i) => i));
    const y = tf.mul(x, tf.scalar(2));
    const v = y.dataSync();
    if (v[2999] !== 5998 || v[1] !== 2) throw new Error(`read ${v[1]}, ${v[2999]}`);
    tf.dispose([x, y]);
  });
  await check('a tensor over the binding limit is refused before its kernel runs', async () => {
    setWebGPUOptions({ maxStorageBufferBindingSize: 2 ** 20 });
    await useBackend('webgpu');
    const big = tf.tensor2d(new Float32Array(512 * 1024).fill(1), [512, 1024]);
    const w = tf.ones([1024, 4]);
    try {
      matMul(big, w);
      throw new Error('no error');
    } catch (e) {
      if (!(e instanceof WebGPUBindingSizeError)) throw e;
      if (!/^BatchMatMul \(op matMul\): input a \[512, 1024\]/.test(e.message)) throw new Error(e.message);
    } finally {
      tf.dispose([big, w]);
      setWebGPUOptions({});
    }
  });
  const info = webgpuInfo();
  report({
    hasGpu,
    backend: active.name,
    reason: active.reason,
    adapter: info?.adapter,
    outcomes,
  });
}

main().catch((e: Error) => report({ error: `${e.name}: ${e.message}` }));
