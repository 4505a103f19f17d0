// The smoke demo: pick the best installed backend, run a small computation and its gradient.
// Run it with `pnpm demo` from the repository root.
import { matMul, memoryStats, tf, useBackend } from '@gptft/backend';
import '@gptft/backend-wasm';

export async function main(log: (line: string) => void = console.log): Promise<number> {
  const active = await useBackend('auto');
  log(
    `backend: ${active.name} (${active.reason}); threads ${active.capabilities.threads}, SIMD ${active.capabilities.simd}`,
  );

  // y = x·W for x [2, 3] and W [3, 2], and d(sum y²)/dW.
  const x = tf.tensor2d([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const w = tf.tidy(() =>
    tf.variable(
      tf.tensor2d([
        [0.5, -1],
        [0.25, 2],
        [-0.5, 1],
      ]),
    ),
  );
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(matMul(x, w))) as tf.Scalar, [w]);
  const loss = (await value.data())[0]!;
  log(`sum((x·W)²) = ${loss.toFixed(4)}`);
  log(`d/dW = ${JSON.stringify(Array.from(await grads[w.name]!.data()).map((v) => +v.toFixed(4)))}`);
  tf.dispose([x, w, value, grads[w.name]!]);
  const live = memoryStats().numTensors;
  log(`live tensors after cleanup: ${live}`);
  if (live !== 0) throw new Error(`backend-smoke leaked ${live} tensors`);
  return loss;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
