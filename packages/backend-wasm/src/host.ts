/**
 * What the wasm backend asks of its host to pick a thread count: cores, how busy they are now,
 * GPTFT_WASM_THREADS (Node's). The browser build swaps this module for `browser/host.ts`
 * (package.json `browser` map).
 */
import { cpus } from 'node:os';

export { availableParallelism } from 'node:os';

/** How long {@link busyCores} watches the cores. */
const BUSY_SAMPLE_MS = 250;

function cpuTimes(): { busy: number; all: number } {
  let busy = 0;
  let all = 0;
  for (const { times: t } of cpus()) {
    busy += t.user + t.nice + t.sys + t.irq;
    all += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, all };
}

/**
 * Cores the rest of the machine keeps busy right now: the cores' busy time over 250 ms while this
 * thread sleeps, in cores (0 … cores). Unlike the load average it does not lag: a job that ended a
 * minute ago does not count (the 1-minute load average stayed near 2 for minutes after one).
 */
export function busyCores(): number {
  const before = cpuTimes();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BUSY_SAMPLE_MS);
  const after = cpuTimes();
  const all = after.all - before.all;
  return all > 0 ? ((after.busy - before.busy) / all) * cpus().length : 0;
}

/** `GPTFT_WASM_THREADS`, trimmed (undefined when unset or empty). */
export function envThreads(): string | undefined {
  return process.env.GPTFT_WASM_THREADS?.trim() || undefined;
}
