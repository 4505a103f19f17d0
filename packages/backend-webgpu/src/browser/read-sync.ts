/**
 * The browser build's stand-in for `read-sync.ts` (package.json `browser` map): a page reads
 * tensors with tfjs' own readSync (through an OffscreenCanvas), so the Node path — and the Dawn
 * binding it imports — stays out of a page's bundle. `backend.ts` only calls this in Node.
 */
import type { BackendValues } from '@tensorflow/tfjs-core';
import type { DeviceWatch } from '../watch.js';

export function makeNodeReadSync(_watch: DeviceWatch, _timeoutMs: number): (dataId: object) => BackendValues {
  throw new Error('makeNodeReadSync: Node only (a page reads through tfjs-backend-webgpu itself)');
}
