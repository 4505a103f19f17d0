/**
 * The browser build's stand-in for `host.ts` (package.json `browser` map): cores are
 * `navigator.hardwareConcurrency`; a page cannot see other processes' load and has no environment variables.
 */
export function availableParallelism(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

export function busyCores(): number {
  return 0;
}

export function envThreads(): string | undefined {
  return undefined;
}
