// gptft's kernels, registered as tfjs registers its own (tfjs-core `kernel_registry.ts`): by kernel
// name and tfjs backend name. An op never asks which backend runs; it calls `runKernel(name, …)`,
// which runs the kernel the active backend registered — or, when it registered none, the kernel's
// default: a composite of tfjs ops that works on every backend. A backend package makes an op fast
// by registering a kernel under the same name (`registerKernel`), nothing else.
import type { KernelConfig, KernelFunc, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { Tensor } from './tf.js';
import { tf } from './tf.js';

/** The default of a gptft kernel: tfjs ops on tensors, so it runs wherever tfjs runs. */
export type DefaultKernel = (inputs: Record<string, Tensor>, attrs: NamedAttrMap) => Tensor | Tensor[];

const defaults = new Map<string, DefaultKernel>();

/** Declares gptft kernel `name` with the implementation every backend gets unless it registers its own. */
export function defineKernel(name: string, implementation: DefaultKernel): void {
  defaults.set(name, implementation);
}

/** Names of the kernels gptft defines (each has a default; backends may register faster ones). */
export function gptftKernelNames(): string[] {
  return [...defaults.keys()];
}

/**
 * Runs kernel `name` on the active backend: its registered kernel if it has one (through tfjs'
 * engine, so `tf.profile` sees it by name), else gptft's default. Tensors the default creates on the
 * way are released; the outputs are the caller's.
 */
export function runKernel(name: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}): Tensor[] {
  if (tf.getKernel(name, tf.getBackend())) {
    const out = tf.engine().runKernel(name, inputs, attrs) as Tensor | Tensor[];
    return Array.isArray(out) ? out : [out];
  }
  const implementation = defaults.get(name);
  if (!implementation) throw new Error(`runKernel: no kernel "${name}" is defined`);
  const out = tf.tidy(() => implementation(inputs, attrs));
  return Array.isArray(out) ? out : [out];
}

/**
 * Which implementation of kernel `name` runs on tfjs backend `backendName` (default: the active one):
 * `'backend'` when the backend registered one, `'default'` when gptft's composite runs, `undefined`
 * when neither exists.
 */
export function kernelImplementation(
  name: string,
  backendName: string = tf.getBackend(),
): 'backend' | 'default' | undefined {
  if (tf.getKernel(name, backendName)) return 'backend';
  return defaults.has(name) ? 'default' : undefined;
}

/**
 * Registers a backend's kernel (a tfjs `KernelConfig`: kernel name, tfjs backend name, kernel
 * function on `TensorInfo`s), replacing one already registered under the same names — gptft's
 * kernels and tfjs' own (e.g. `BatchMatMul`). Returns a function that puts back what was there.
 */
export function registerKernel(config: KernelConfig): () => void {
  const previous = tf.getKernel(config.kernelName, config.backendName);
  if (previous) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
  return () => {
    if (tf.getKernel(config.kernelName, config.backendName)?.kernelFunc !== config.kernelFunc) return;
    tf.unregisterKernel(config.kernelName, config.backendName);
    if (previous) tf.registerKernel(previous);
  };
}

export type { KernelConfig, KernelFunc };
