// WebGPU in Node: Dawn through the `webgpu` npm package (ESM-only, `dawn.node` inside; needs
// libvulkan.so.1 and a Vulkan driver on Linux). Only imported in Node (index.ts checks).
//
// Synchronous reads. gptft (and tfjs) call `dataSync()`; tfjs' WebGPU readSync draws through an
// OffscreenCanvas, which Node lacks. Dawn's Node binding delivers every async result (a buffer
// mapping included) from a function it schedules with the *global* `setImmediate` (its
// AsyncRunner), which never runs while JavaScript waits synchronously. So the first import
// here wraps `setImmediate` to remember the native functions Dawn schedules (they still run as
// usual); `waitSync` calls them itself — each one processes Dawn's events — and sleeps briefly
// in between (`Atomics.wait`) until the mapping is done. Other callers of setImmediate pass JS
// functions and are not touched.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { type AdapterSummary, summarizeAdapter } from './adapter.js';

interface WebgpuModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

interface Tick {
  fn: () => void;
  ran: boolean;
}

const pendingTicks = new Set<Tick>();
let hooked = false;

function isNativeFunction(fn: unknown): fn is () => void {
  return typeof fn === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
}

/** Wraps the global setImmediate so that `waitSync` can run Dawn's event processing itself. */
function installTickHook(): void {
  if (hooked) return;
  hooked = true;
  const real = globalThis.setImmediate;
  const hook = ((fn: unknown, ...args: unknown[]) => {
    if (isNativeFunction(fn) && args.length === 0) {
      const tick: Tick = { fn, ran: false };
      pendingTicks.add(tick);
      return real(() => {
        if (tick.ran) return;
        tick.ran = true;
        pendingTicks.delete(tick);
        fn();
      });
    }
    return (real as (...a: unknown[]) => NodeJS.Immediate)(fn, ...args);
  }) as typeof setImmediate;
  const { prototype: _p, ...descriptors } = Object.getOwnPropertyDescriptors(real);
  // Keeps util.promisify(setImmediate) and the rest of the function's own properties working.
  Object.defineProperties(hook, descriptors);
  globalThis.setImmediate = hook;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs Dawn's event processing until `done()` (sleeping 0.05–2 ms between rounds), for at most
 * `timeoutMs`. Throws when Dawn scheduled nothing to run (an incompatible `webgpu` build).
 */
export function waitSync(done: () => boolean, what: string, timeoutMs: number): void {
  const start = Date.now();
  let sleepMs = 0.05;
  while (!done()) {
    const ticks = [...pendingTicks];
    pendingTicks.clear();
    if (ticks.length === 0) {
      throw new Error(
        `cannot wait for ${what} synchronously: the webgpu package scheduled no event processing ` +
          '(an incompatible webgpu version?). Read tensors with `await tensor.data()` instead.',
      );
    }
    for (const t of ticks) {
      if (t.ran) continue;
      t.ran = true;
      t.fn();
    }
    if (done()) return;
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `waited ${timeoutMs} ms for ${what} (GPTFT_WEBGPU_SYNC_TIMEOUT_MS) — the GPU did not answer`,
      );
    }
    Atomics.wait(sleeper, 0, 0, sleepMs);
    sleepMs = Math.min(sleepMs * 2, 2);
  }
}

const require = createRequire(import.meta.url);
let loaded: WebgpuModule | undefined;

/** Imports the `webgpu` package (once) and puts WebGPU's globals (GPUBufferUsage, …) in place. */
export async function loadWebgpuPackage(): Promise<WebgpuModule> {
  if (loaded) return loaded;
  installTickHook();
  const mod = (await import('webgpu')) as unknown as WebgpuModule;
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  loaded = mod;
  return mod;
}

/** Makes `navigator.gpu` the given GPU (tfjs' WebGPU backend looks there). */
export function setNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu !== gpu) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** The probe's answer: the adapter Dawn offers (if any) and what Dawn printed. */
export interface ProbeResult {
  adapter?: AdapterSummary;
  /** Dawn's and the Vulkan loader's messages (they go to stderr, not to JavaScript). */
  messages: string[];
  error?: string;
}

/**
 * Asks Dawn for an adapter in a child process, so that its stderr (Vulkan loader and driver
 * warnings) is captured for the reason instead of printed, and a broken driver cannot take this
 * process down. Used by `auto` and to explain a missing adapter.
 */
export async function probeAdapterInChild(
  flags: string[],
  powerPreference?: GPUPowerPreference,
): Promise<ProbeResult> {
  // The child reads the adapter's raw facts; summarizeAdapter (here) turns them into a summary.
  const script = `
    const { create } = await import(${JSON.stringify(require.resolve('webgpu'))});
    const gpu = create(${JSON.stringify(flags)});
    const adapter = await gpu.requestAdapter(${JSON.stringify(powerPreference ? { powerPreference } : {})});
    const info = adapter && adapter.info;
    const raw = adapter && {
      info: info && { vendor: info.vendor, architecture: info.architecture, device: info.device,
        description: info.description, isFallbackAdapter: info.isFallbackAdapter },
      limits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize },
      features: [...adapter.features],
    };
    process.stdout.write(JSON.stringify({ adapter: raw }));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
    env: process.env,
  });
  const messages = (r.stderr ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/XDG_RUNTIME_DIR/.test(l));
  if (r.status !== 0) {
    return { messages, error: r.error?.message ?? `exit ${r.status ?? r.signal}` };
  }
  try {
    const parsed = JSON.parse(r.stdout) as { adapter: GPUAdapter | null };
    return { adapter: parsed.adapter ? await summarizeAdapter(parsed.adapter) : undefined, messages };
  } catch {
    return { messages, error: `unreadable probe output: ${r.stdout.slice(0, 200)}` };
  }
}

/** Asks Dawn for an adapter in this process. */
export async function requestNodeAdapter(
  gpu: GPU,
  powerPreference?: GPUPowerPreference,
): Promise<{ adapter: GPUAdapter; summary: AdapterSummary } | undefined> {
  const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : {});
  return adapter ? { adapter, summary: await summarizeAdapter(adapter) } : undefined;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function findLibrary(name: string): string | undefined {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/lib64',
    '/usr/lib',
    '/lib',
    '/usr/local/lib',
  ];
  for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  return undefined;
}

function vulkanDrivers(): string[] {
  const explicit = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (explicit) return explicit.split(delimiter).filter(Boolean);
  const found: string[] = [];
  for (const d of ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d']) {
    try {
      for (const f of readdirSync(d)) if (f.endsWith('.json')) found.push(join(d, f));
    } catch {}
  }
  return found;
}

/**
 * Why Dawn found no adapter, in one line: what the probe printed, and on Linux whether
 * libvulkan.so.1 and a Vulkan driver are there, with how to get a software one for tests.
 */
export function explainNoAdapter(probe: ProbeResult): string {
  const parts: string[] = [];
  if (process.platform === 'linux') {
    if (!findLibrary('libvulkan.so.1')) {
      parts.push('libvulkan.so.1 was not found (Debian/Ubuntu: apt-get install libvulkan1)');
    }
    const drivers = vulkanDrivers();
    const env = process.env.VK_ICD_FILENAMES ? ` (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES})` : '';
    if (drivers.length === 0)
      parts.push('no Vulkan driver is installed (no ICD file in /usr/share/vulkan/icd.d)');
    else parts.push(`Vulkan drivers tried: ${drivers.join(', ')}${env}`);
  }
  const dawn = probe.messages.filter((m) => !/^-\s/.test(m)).slice(0, 3);
  if (dawn.length) parts.push(`Dawn said: ${dawn.join(' | ')}`);
  if (probe.error) parts.push(`the probe failed: ${probe.error}`);
  if (process.platform === 'linux' && existsSync(SWIFTSHADER_ICD) && !process.env.VK_ICD_FILENAMES) {
    parts.push(`for a (slow) software adapter set VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`);
  }
  return parts.join('; ');
}
