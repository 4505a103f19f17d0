// The gradient of a gptft op, defined once for every backend. tfjs' registered gradients
// (`registerGradient`, e.g. `gradients/BatchMatMul_grad.ts`) return, per input, a function that the
// engine calls only for the inputs whose gradient is needed (a frozen weight's never is); but they
// can save only the kernel's inputs and outputs. `tf.customGrad` saves anything, but computes every
// input's gradient. `gradientNode` is both: one tape node over named inputs, any saved tensors,
// per-input gradient functions — what gptft's composite ops need (the fused loss saves gradients it
// computed in the forward pass; matMul skips dW of a frozen W).
import type { Tensor } from '../tf.js';
import { tf } from '../tf.js';

/** Saves tensors for the backward pass (does nothing when no gradient is being recorded). */
export type SaveFunc = (tensors: Tensor[]) => void;

interface EngineInternals {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: SaveFunc) => Tensor;
    backwardsFunc: (dy: Tensor, saved: Tensor[]) => Record<string, () => Tensor>;
    inputs: Record<string, Tensor>;
  }): Tensor;
  isTapeOn(): boolean;
}

function engine(): EngineInternals {
  const e = tf.engine() as unknown as Partial<EngineInternals>;
  if (typeof e.runKernelFunc !== 'function' || typeof e.isTapeOn !== 'function') {
    throw new Error(
      '@gptft/backend: this tfjs-core has no Engine.runKernelFunc/isTapeOn (tfjs 4.22 is required)',
    );
  }
  return e as EngineInternals;
}

/** Whether tfjs is recording operations for a gradient right now (inside `tf.grad`, `tf.variableGrads`, …). */
export function recordingGradients(): boolean {
  return engine().isTapeOn();
}

/**
 * Runs `forward` as one node of tfjs' gradient tape over `inputs` (by name). `forward` gets
 * `recording` (whether a gradient is being recorded: when false, nothing it saves is kept and it
 * may skip work only the backward pass needs) and `save`. In the backward pass, `backward(dy,
 * saved)` returns per input a function computing that input's gradient (its shape, float32); tfjs
 * calls only those of inputs on the path to the differentiated variables. Tensors `forward` creates
 * besides its result are released.
 */
export function gradientNode<N extends string>(
  inputs: Record<N, Tensor>,
  forward: (recording: boolean, save: SaveFunc) => Tensor,
  backward: (dy: Tensor, saved: Tensor[]) => Record<N, () => Tensor>,
): Tensor {
  const e = engine();
  const recording = e.isTapeOn();
  return e.runKernelFunc({
    forwardFunc: (_backend, save) => forward(recording, save),
    backwardsFunc: (dy, saved) => backward(dy, saved),
    inputs,
  });
}
