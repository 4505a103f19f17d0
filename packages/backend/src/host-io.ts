// Copies between tensors and host float32 arrays (the host AdamW moments' memory, say) with as few
// copies as the backend allows. The defaults work on every backend: `dataSync()` (a fresh array)
// then a copy into `dst`; a fresh copy of `values` for a new tensor (cpu and webgpu keep the array
// they are given). A backend package registers faster ones under its tfjs name, as it registers
// kernels: the wasm backend reads its heap straight into `dst` and writes `values` straight into
// the heap — a host AdamW update of GPT-2 small's 124M parameters took 2.2–2.5 s with the defaults
// and 0.45 s so.
import type { Tensor } from './tf.js';
import { tf } from './tf.js';

export interface HostIo {
  /** Copies float32 tensor `t`'s values into `dst` (`t.size` floats); false: not handled here. */
  readInto(t: Tensor, dst: Float32Array): boolean;
  /** A float32 tensor of `shape` holding a copy of `values` (which the caller reuses afterwards). */
  tensorFromCopy(values: Float32Array, shape: readonly number[]): Tensor;
}

const registered = new Map<string, HostIo>();

/** Registers `io` for tfjs backend `backendName`; returns a function that removes it. */
export function registerHostIo(backendName: string, io: HostIo): () => void {
  registered.set(backendName, io);
  return () => {
    if (registered.get(backendName) === io) registered.delete(backendName);
  };
}

/** `dst.set(t.dataSync())` without the intermediate array where the active backend allows. */
export function readInto(t: Tensor, dst: Float32Array): void {
  if (dst.length !== t.size) throw new Error(`readInto: ${t.size} values into ${dst.length} floats`);
  if (registered.get(tf.getBackend())?.readInto(t, dst)) return;
  dst.set(t.dataSync() as Float32Array);
}

/** `tf.tensor(values.slice(), shape)` without the intermediate array where the active backend allows. */
export function tensorFromCopy(values: Float32Array, shape: readonly number[]): Tensor {
  const io = registered.get(tf.getBackend());
  return io ? io.tensorFromCopy(values, shape) : tf.tensor(values.slice(), [...shape], 'float32');
}
