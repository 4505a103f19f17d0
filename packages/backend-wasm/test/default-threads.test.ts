// The default thread count (no options.threads, no GPTFT_WASM_THREADS): one thread per core the
// rest of the machine leaves idle. Arithmetic on given core counts and busy cores, and the
// measurement's range: nothing here depends on this machine's load.
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { busyCores } from '../src/host.js';
import { idleCoreThreads, requestedThreads } from '../src/index.js';

const saved = process.env.GPTFT_WASM_THREADS;
afterEach(() => {
  if (saved === undefined) delete process.env.GPTFT_WASM_THREADS;
  else process.env.GPTFT_WASM_THREADS = saved;
});

describe('idleCoreThreads', () => {
  it('uses a second core only when the machine leaves one idle', () => {
    expect(idleCoreThreads(1, 0)).toBe(1);
    expect(idleCoreThreads(2, 0)).toBe(2);
    expect(idleCoreThreads(2, 0.4)).toBe(2);
    expect(idleCoreThreads(2, 0.6)).toBe(1); // the other core is busy more than half the time
    expect(idleCoreThreads(2, 6)).toBe(1);
    expect(idleCoreThreads(8, 2)).toBe(6);
    expect(idleCoreThreads(4, 0)).toBe(4);
  });

  it('is the default when neither options nor GPTFT_WASM_THREADS ask; both still win', () => {
    delete process.env.GPTFT_WASM_THREADS;
    const d = requestedThreads({});
    expect(d.source).toMatch(/^the default \(\d+ cores, \d+\.\d busy\)$/);
    expect(d.threads).toBeGreaterThanOrEqual(1);
    process.env.GPTFT_WASM_THREADS = 'off';
    expect(requestedThreads({})).toEqual({ threads: 1, source: 'GPTFT_WASM_THREADS=off' });
    expect(requestedThreads({ threads: 3 })).toEqual({ threads: 3, source: 'options.threads' });
  });
});

describe('busyCores', () => {
  it('measures the cores kept busy now, between none and all of them, in about 0.25 s', () => {
    const t0 = performance.now();
    const busy = busyCores();
    const ms = performance.now() - t0;
    expect(busy).toBeGreaterThanOrEqual(0);
    expect(busy).toBeLessThanOrEqual(availableParallelism());
    expect(ms).toBeGreaterThanOrEqual(240);
  });
});
