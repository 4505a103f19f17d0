// dataSync() on Dawn in Node: copy the tensor's buffer to a mappable one, submit, and wait for the
// mapping synchronously (node-gpu.ts explains how). Same steps as tfjs' async `read`.
import { tf } from '@gptft/backend';
import type { BackendValues } from '@tensorflow/tfjs-core';
import { WebGPUDeviceLostError } from './errors.js';
import { waitSync } from './node-gpu.js';
import type { DeviceWatch } from './watch.js';

/** A readSync for the backend watched by `watch`, waiting at most `timeoutMs` for the GPU. */
export function makeNodeReadSync(watch: DeviceWatch, timeoutMs: number): (dataId: object) => BackendValues {
  const backend = watch.backend;
  const readSync = (dataId: object): BackendValues => {
    const data = backend.tensorMap.get(dataId);
    if (!data)
      throw new Error(`readSync: tensor data ${JSON.stringify(dataId)} is not on this WebGPU backend`);
    if (data.values != null || data.dtype === 'string') return data.values as BackendValues;
    if (data.dtype === 'complex64') {
      const real = readSync(data.complexTensorInfos!.real.dataId) as Float32Array;
      const imag = readSync(data.complexTensorInfos!.imag.dataId) as Float32Array;
      return backend.convertAndCacheOnCPU(dataId, tf.backend_util.mergeRealAndImagArrays(real, imag));
    }
    const source = data.resource as GPUBuffer;
    const size = source.size;
    const staging = backend.bufferManager.acquireBuffer(
      size,
      GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    );
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.commandEncoder!.copyBufferToBuffer(source, 0, staging, 0, size);
    backend.submitQueue();
    staging.mapAsync(GPUMapMode.READ).catch(() => {}); // its outcome is read off mapState below
    const what = `reading a [${data.shape.join(', ')}] ${data.dtype} tensor from the GPU`;
    waitSync(() => staging.mapState !== 'pending', what, timeoutMs);
    if (staging.mapState !== 'mapped') {
      backend.bufferManager.releaseBuffer(staging, false);
      watch.throwIfFailed(what);
      throw new WebGPUDeviceLostError('unknown', 'the buffer could not be mapped for reading', what);
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    backend.bufferManager.releaseBuffer(staging);
    const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype) as BackendValues;
    return backend.convertAndCacheOnCPU(dataId, values);
  };
  return readSync;
}
