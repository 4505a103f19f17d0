import { type Tensor, type Tensor4D, tf } from '@gptft/backend';
import type { GPT2Block } from './block.js';
import type { LayerKeyValue } from './kv-cache.js';
import type { SeedSequence } from './random.js';

type EngineWithTape = { state: { activeTape: unknown } };

/**
 * Runs `block` so that the backward pass recomputes it instead of keeping its intermediates:
 * only the block's input (and the mask/prefix it was given) is kept. The block's trainable
 * parameters (everything registered in its module tree, including wrappers a PEFT method put in
 * it), its input and its prefix keys/values get gradients; dropout masks are replayed exactly.
 *
 * Contract for code inside a block: trainable state must be registered parameters of the block's
 * module tree; a tensor captured from outside is treated as a constant.
 */
export function checkpointedBlock(
  block: GPT2Block,
  x: Tensor,
  bias: Tensor | null,
  past: LayerKeyValue | undefined,
  seeds: SeedSequence,
): Tensor {
  const params = block.namedTrainableParameters().map(([, p]) => p);
  const kv = past ? [past.key, past.value] : [];
  const rngState = seeds.state;
  const nIn = 1 + kv.length;

  const f = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as (tensors: Tensor[]) => void;
    const inputs = args as Tensor[];
    const xIn = inputs[0]!;
    const p = past ? { key: inputs[1] as Tensor4D, value: inputs[2] as Tensor4D } : undefined;
    const out = block.forward(xIn, { bias, past: p, useCache: false }).hidden;
    save(bias ? [...inputs.slice(0, nIn), bias] : inputs.slice(0, nIn));
    return {
      value: out,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const xs = saved[0]!;
        const ks = past ? (saved[1] as Tensor4D) : undefined;
        const vs = past ? (saved[2] as Tensor4D) : undefined;
        const savedBias = bias ? saved[nIn]! : null;
        const wrt = saved.slice(0, nIn).concat(params);
        const engine = tf.engine() as unknown as EngineWithTape & typeof tf.ENV;
        const outerTape = engine.state.activeTape;
        const rngAfter = seeds.state;
        seeds.restore(rngState);
        try {
          const { value: y, grads } = (tf.engine() as any).gradients(
            () =>
              block.forward(xs, {
                bias: savedBias,
                past: ks && vs ? { key: ks, value: vs } : undefined,
                useCache: false,
              }).hidden,
            wrt,
            Array.isArray(dy) ? dy[0] : dy,
            true,
          ) as { value: Tensor; grads: Array<Tensor | undefined> };
          y.dispose();
          return grads.map((g, i) => g ?? tf.zerosLike(wrt[i]!));
        } finally {
          engine.state.activeTape = outerTape;
          seeds.restore(rngAfter);
        }
      },
    };
  });
  return f(x, ...kv, ...params);
}
