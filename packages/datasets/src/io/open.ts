import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { isGzipBytes, type OpenOptions } from './gzip.js';

export { isGzipBytes, type OpenOptions } from './gzip.js';

/** Whether the file at `path` is gzip-compressed, judged by its first two bytes (not its name). */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return isGzipBytes(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Streams the bytes of a file, gunzipping transparently when it starts with the gzip magic
 * number (whatever its extension; multi-member gzip such as `bgzip` output works too).
 * Memory is bounded by the chunk size, so files larger than memory can be read.
 */
export async function* readBytes(path: string, options: OpenOptions = {}): AsyncGenerator<Uint8Array> {
  const name = options.displayName ?? path;
  const highWaterMark = options.chunkSize ?? 1 << 20;
  let gz: boolean;
  try {
    gz = await isGzipFile(path);
  } catch (err) {
    throw new DataError(describeFsError(err), { file: name }, { cause: err });
  }
  const file = createReadStream(path, { highWaterMark });
  const stream = gz ? file.pipe(createGunzip({ chunkSize: Math.min(highWaterMark, 1 << 16) })) : file;
  if (gz) file.on('error', (err) => stream.destroy(err));
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as { code?: string }).code ?? '';
    const reason = code.startsWith('Z_')
      ? `corrupt or truncated gzip data (${(err as Error).message})`
      : describeFsError(err);
    throw new DataError(reason, { file: name }, { cause: err });
  } finally {
    stream.destroy();
    file.destroy();
  }
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message ?? String(err);
}
