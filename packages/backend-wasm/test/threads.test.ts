// Threaded wasm: starts in Node, computes the same numbers (the conformance suite), and the process
// can still exit. Each vitest file runs in its own process, so this one owns its wasm module.
import { runBackendConformance } from '@gptft/backend/conformance';
import { currentBackend, tf } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';

runBackendConformance('wasm', { describe, it, beforeAll }, { threads: 2 }, { label: '2 threads' });

describe('threaded wasm', () => {
  it('runs with 2 threads and says so', () => {
    const active = currentBackend()!;
    // The reason first: when threads did not start, it says why (a failure shows it).
    expect(active.reason).toMatch(/2 threads/);
    expect(active.capabilities.threads).toBe(2);
    const pthread = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: unknown[] } } }).wasm
      .PThread;
    expect(pthread?.runningWorkers.length).toBeGreaterThanOrEqual(1);
  });
});
