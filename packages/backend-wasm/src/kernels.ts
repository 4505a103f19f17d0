// The kernels this package registers for tfjs' wasm backend, in one list. They are registered when
// the gptft wasm backend is initialised (`useBackend('wasm')`), not on import, and every gptft op
// reaches them through the kernel registry (`@gptft/backend`'s `runKernel`, or tfjs' own op for
// tfjs kernels): no op asks which backend runs.
import { Attention, registerHostIo, registerKernel, SoftmaxCrossEntropy, tf } from '@gptft/backend';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { fastMatMulInstalled, installFastMatMul, uninstallFastMatMul } from './fast-mat-mul.js';
import { attentionConfig } from './attention.js';
import { wasmHostIo } from './host-io.js';
import { sharedIdentityConfig } from './identity.js';
import { softmaxCrossEntropyConfig } from './softmax-cross-entropy.js';

/**
 * Kernels replacing tfjs-wasm's (built from the one they replace) and gptft kernels for wasm (built
 * for the initialised backend); `undefined` when this tfjs-wasm build lacks what one needs.
 */
const kernelFactories: {
  name: string;
  make: (current: KernelConfig | undefined, backend: unknown) => KernelConfig | undefined;
}[] = [
  { name: 'Identity', make: (current) => current && sharedIdentityConfig(current) },
  { name: SoftmaxCrossEntropy, make: (_current, backend) => softmaxCrossEntropyConfig(backend) },
  { name: Attention, make: (_current, backend) => attentionConfig(backend) },
];

const restores = new Map<string, () => void>();
let removeHostIo: (() => void) | undefined;

/** Registers this package's wasm kernels and host I/O (`readInto`, `tensorFromCopy`); idempotent. */
export function installWasmKernels(): void {
  installFastMatMul();
  removeHostIo ??= registerHostIo('wasm', wasmHostIo);
  for (const { name, make } of kernelFactories) {
    if (restores.has(name)) continue;
    const config = make(tf.getKernel(name, 'wasm'), tf.findBackend('wasm'));
    if (config) restores.set(name, registerKernel(config));
  }
}

/** Puts tfjs-wasm's own kernels back and leaves gptft's kernels to their defaults (for comparisons). */
export function uninstallWasmKernels(): void {
  uninstallFastMatMul();
  removeHostIo?.();
  removeHostIo = undefined;
  for (const restore of restores.values()) restore();
  restores.clear();
}

/** Names of the kernels this package has registered right now. */
export function installedWasmKernels(): string[] {
  return [...(fastMatMulInstalled() ? ['BatchMatMul'] : []), ...restores.keys()];
}
