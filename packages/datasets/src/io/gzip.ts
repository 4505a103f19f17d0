/** What the Node and browser byte readers share: gzip detection and the reader options. */
import type { DataError } from '../errors.js';

/** The two magic bytes every gzip member starts with (RFC 1952). */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Whether `bytes` starts with the gzip magic number. */
export function isGzipBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
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
