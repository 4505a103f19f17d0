// Host I/O for tfjs' wasm backend (`@gptft/backend`'s `readInto` / `tensorFromCopy`): a tensor's
// values are read straight from the heap into the caller's array, and a new tensor's values are
// written straight into the heap (tfjs-wasm's `write` copies them at once and keeps no reference).
import { type HostIo, tf } from '@gptft/backend';
import { heapF32, wasmInternals } from './wasm-internals.js';

export const wasmHostIo: HostIo = {
  readInto(t, dst) {
    const backend = wasmInternals(tf.findBackend('wasm'));
    if (!backend || t.dtype !== 'float32' || !backend.dataIdMap.has(t.dataId)) return false;
    const start = backend.dataIdMap.get(t.dataId)!.memoryOffset / 4;
    dst.set(heapF32(backend.wasm).subarray(start, start + t.size));
    return true;
  },
  tensorFromCopy(values, shape) {
    return tf.tensor(values, [...shape], 'float32');
  },
};
