import { tf } from './tf.js';

/** Memory as gptft reports it: tfjs' tensor bookkeeping plus the process' own numbers. */
export interface MemoryStats {
  /** Live tensors in the engine. A training step must leave this unchanged. */
  numTensors: number;
  /** Bytes held by live tensors. */
  numBytes: number;
  /** Resident set size of the process, bytes. */
  rss: number;
  /** Highest `rss` seen by `memoryStats()` or `trackPeakMemory()` in this process, bytes. */
  peakRss: number;
}

let peakRss = 0;

/** The process' RSS (0 in a page, which has no process to measure). */
function processRss(): number {
  return typeof process === 'undefined' ? 0 : process.memoryUsage.rss();
}

/** Current memory figures. */
export function memoryStats(): MemoryStats {
  const m = tf.memory();
  const rss = processRss();
  peakRss = Math.max(peakRss, rss);
  return { numTensors: m.numTensors, numBytes: m.numBytes, rss, peakRss };
}

/**
 * Samples the process' RSS every `intervalMs` until the returned function is called, which
 * returns the peak seen (bytes). Benchmarks use it to print peak memory.
 */
export function trackPeakMemory(intervalMs = 20): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    peakRss = Math.max(peakRss, peak);
    return peak;
  };
}
