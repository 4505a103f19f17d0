import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';

/** The two magic bytes every gzip member starts with (RFC 1952). */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Whether `bytes` starts with the gzip magic number. */
export function isGzipBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

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

/** Options shared by the byte and line readers. */
export interface OpenOptions {
  /** Name used in error messages (default: `path` as given). */
  displayName?: string;
  /** Read-ahead chunk size in bytes (default 1 MiB). Memory use is a small multiple of this. */
  chunkSize?: number;
  /**
   * Called instead of throwing when one record cannot be parsed but the reader can go on past it
   * (a JSON Lines line, a JSON array element, a CSV row, a CoNLL/CoNLL-U sentence); the record is
   * skipped. Structural problems (bad gzip, invalid UTF-8, an unterminated quote or array) still throw.
   */
  onRecordError?: (error: DataError) => void;
  /**
   * What to do with bytes that are not valid UTF-8 (Python's `errors=` of `open`, as Hugging Face
   * `datasets`' `encoding_errors`): `'strict'` (default) fails with the file, line and byte offset;
   * `'replace'` decodes each bad sequence as U+FFFD.
   */
  encodingErrors?: 'strict' | 'replace';
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
