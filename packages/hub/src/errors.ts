/**
 * Error raised for a checkpoint or safetensors file that cannot be used: missing, truncated, a
 * header that lies about sizes or offsets, a missing shard or tensor. The message always names the
 * file, and the tensor where one is concerned; both are also available as fields.
 */
export class CheckpointError extends Error {
  /** The file (or folder) at fault. */
  readonly file: string;
  /** The tensor at fault, when the problem concerns one. */
  readonly tensor: string | undefined;

  constructor(file: string, message: string, options?: { tensor?: string; cause?: unknown }) {
    const where = options?.tensor !== undefined ? `${file}: tensor "${options.tensor}"` : file;
    super(`${where}: ${message}`, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'CheckpointError';
    this.file = file;
    this.tensor = options?.tensor;
  }
}

/** Error raised by hub downloads and cache look-ups (repo not found, offline and not cached, …). */
export class HubError extends Error {
  /** The repository concerned (`org/name`). */
  readonly repoId: string;
  /** HTTP status, when the error came from the server. */
  readonly status: number | undefined;

  constructor(repoId: string, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'HubError';
    this.repoId = repoId;
    this.status = options?.status;
  }
}
