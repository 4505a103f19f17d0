/** Thrown when a backend cannot be selected: its package is missing or its native part fails to load. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    /** The gptft backend name that was asked for, e.g. `tensorflow-gpu`. */
    readonly backend: string,
    /** The npm package(s) that provide it. */
    readonly packages: readonly string[],
    /** Why it is unavailable, in one line (the underlying loader's message). */
    readonly reason: string,
  ) {
    super(
      `Backend "${backend}" is not available: ${reason}\n` +
        `  Install it with: pnpm add ${packages.join(' ')}  (or npm install ${packages.join(' ')})`,
    );
  }
}
