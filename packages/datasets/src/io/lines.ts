import { DataError } from '../errors.js';
import { isGzipFile, type OpenOptions, readBytes } from './open.js';
import { firstInvalidUtf8, hexBytes } from './utf8.js';

/** One line of a text file: its text (without `\n` / `\r\n`) and its 1-based number. */
export interface Line {
  readonly text: string;
  readonly line: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Consecutive lines of a file: `lines[k]` is line number `first + k`. */
export interface LineBatch {
  readonly lines: string[];
  readonly first: number;
}

/** The longest string Node can hold (V8: 2^29 − 24 UTF-16 code units). */
export const MAX_STRING_LENGTH = 2 ** 29 - 24; // node:buffer constants.MAX_STRING_LENGTH, without node:buffer

function isInvalidDataError(err: unknown): boolean {
  return (err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
}

function isStringTooLong(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e.code === 'ERR_STRING_TOO_LONG' || (err instanceof RangeError && /string length/i.test(e.message ?? ''))
  );
}

/** "invalid UTF-8 at byte 1234 (0xff)" — `offset` counted from the start of the (decompressed) file. */
async function invalidUtf8(
  path: string,
  file: string,
  line: number,
  offset: number,
  bytes: Uint8Array,
  at: number,
  cause: unknown,
  detail = '',
): Promise<DataError> {
  const gz = await isGzipFile(path).catch(() => false);
  return new DataError(
    `invalid UTF-8 at byte ${offset}${gz ? ' of the decompressed data' : ''} (${hexBytes(bytes, at)}${detail})`,
    { file, line },
    { cause },
  );
}

function tooLong(file: string, line: number, cause?: unknown): DataError {
  return new DataError(
    `line is longer than Node can hold in one string (more than ${MAX_STRING_LENGTH} characters)`,
    { file, line },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Streams the lines of a (possibly gzipped) UTF-8 file in batches (one per read chunk), with
 * bounded memory: only the current chunk and one partial line are held. Lines end at `\n`; a
 * trailing `\r` is dropped (CRLF files); a UTF-8 byte-order mark at the start is dropped. Invalid
 * UTF-8 fails with the file, line and byte offset (unless `encodingErrors: 'replace'`); a line too
 * long for a JavaScript string fails as such, as soon as it is known.
 */
export async function* readLineBatches(path: string, options: OpenOptions = {}): AsyncGenerator<LineBatch> {
  const name = options.displayName ?? path;
  const fatal = (options.encodingErrors ?? 'strict') === 'strict';
  // ignoreBOM keeps U+FEFF: the BOM is stripped by hand on line 1 only.
  const decoder = new TextDecoder('utf-8', { fatal, ignoreBOM: true });
  let carry: Uint8Array[] = [];
  let carryStart = 0; // offset in the file of the first carried byte
  let carryLength = 0; // UTF-16 length of the carried (unfinished) line so far, approximately
  let counter = new TextDecoder('utf-8');
  let offset = 0; // offset in the file of the next chunk
  let next = 1; // number of the next line
  // Bytes holding whole lines (no final newline), starting at file offset `start` → their texts. A
  // chunk is cut at its last newline byte, which never occurs inside a multi-byte UTF-8 sequence.
  const decodeLines = async (bytes: Uint8Array, start: number): Promise<LineBatch> => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (err) {
      if (isStringTooLong(err)) throw tooLong(name, next, err);
      if (!isInvalidDataError(err)) throw err;
      const at = Math.max(0, firstInvalidUtf8(bytes));
      throw await invalidUtf8(path, name, next + countNewlineBytes(bytes, at), start + at, bytes, at, err);
    }
    const lines = text.split('\n');
    for (let k = 0; k < lines.length; k++) {
      const l = lines[k];
      if (l.length > 0 && l.charCodeAt(l.length - 1) === CR) lines[k] = l.slice(0, -1);
    }
    if (next === 1 && lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
    const batch = { lines, first: next };
    next += lines.length;
    return batch;
  };
  for await (const chunk of readBytes(path, options)) {
    const at = offset;
    offset += chunk.length;
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      carry.push(chunk);
      carryLength += counter.decode(chunk, { stream: true }).length;
      if (carryLength > MAX_STRING_LENGTH) throw tooLong(name, next);
      continue;
    }
    const start = carry.length > 0 ? carryStart : at;
    const head = carry.length > 0 ? concat([...carry, chunk.subarray(0, last)]) : chunk.subarray(0, last);
    carry = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
    carryStart = at + last + 1;
    counter = new TextDecoder('utf-8');
    carryLength = carry.length > 0 ? counter.decode(carry[0], { stream: true }).length : 0;
    yield await decodeLines(head, start);
  }
  if (carry.length > 0) yield await decodeLines(concat(carry), carryStart);
}

function countNewlineBytes(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** The lines of a batch with their numbers (a cheap synchronous walk over a {@link LineBatch}). */
export function* linesOf(batch: LineBatch): Generator<Line> {
  const { lines, first } = batch;
  for (let k = 0; k < lines.length; k++) yield { text: lines[k], line: first + k };
}

/** Streams the lines of a file one at a time (see {@link readLineBatches}). */
export async function* readLines(path: string, options: OpenOptions = {}): AsyncGenerator<Line> {
  for await (const { lines, first } of readLineBatches(path, options)) {
    for (let k = 0; k < lines.length; k++) yield { text: lines[k], line: first + k };
  }
}

/**
 * Streams the decoded text of a (possibly gzipped) UTF-8 file in chunks, for formats that are
 * not line-oriented (JSON arrays, whole documents). The BOM is dropped. Invalid UTF-8 fails with
 * the file, line and byte offset (unless `encodingErrors: 'replace'`).
 */
export async function* readTextChunks(path: string, options: OpenOptions = {}): AsyncGenerator<string> {
  const name = options.displayName ?? path;
  const decoder = new TextDecoder('utf-8', { fatal: (options.encodingErrors ?? 'strict') === 'strict' });
  let lines = 1;
  let offset = 0; // offset in the file of the next chunk
  let tail: Uint8Array = new Uint8Array(0); // the previous chunk's last 3 bytes: a sequence may start there
  for await (const chunk of readBytes(path, options)) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (err) {
      if (!isInvalidDataError(err)) throw err;
      const bytes = concat([tail, chunk]);
      const at = Math.max(0, firstInvalidUtf8(bytes, skipContinuation(bytes), true));
      const nl = countNewlineBytes(bytes, at) - countNewlineBytes(bytes, tail.length);
      throw await invalidUtf8(path, name, lines + nl, offset - tail.length + at, bytes, at, err);
    }
    if (text.length > 0) {
      yield text;
      lines += countNewlines(text);
    }
    tail = chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : concat([tail, chunk]).slice(-3);
    offset += chunk.length;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch (err) {
    const at = Math.max(0, firstInvalidUtf8(tail, skipContinuation(tail)));
    throw await invalidUtf8(
      path,
      name,
      lines,
      offset - tail.length + at,
      tail,
      at,
      err,
      ', cut off by the end of the file',
    );
  }
  if (rest.length > 0) yield rest;
}

/** Index of the first byte that is not a continuation byte (at most 3 are skipped). */
function skipContinuation(bytes: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < bytes.length && (bytes[i]! & 0xc0) === 0x80) i++;
  return i;
}

/**
 * A whole (possibly gzipped) UTF-8 text file as one string, BOM dropped; invalid UTF-8 fails with
 * file, line and byte offset (unless `encodingErrors: 'replace'`), and so does a file too long for
 * one JavaScript string.
 */
export async function readTextFile(path: string, options: OpenOptions = {}): Promise<string> {
  const name = options.displayName ?? path;
  const parts: string[] = [];
  let length = 0;
  for await (const chunk of readTextChunks(path, options)) {
    length += chunk.length;
    if (length > MAX_STRING_LENGTH) {
      throw new DataError(
        `the file is longer than Node can hold in one string (more than ${MAX_STRING_LENGTH} characters); read it by lines or paragraphs`,
        { file: name },
      );
    }
    parts.push(chunk);
  }
  return parts.join('');
}

/** Counts `\n` in a string. */
export function countNewlines(text: string, from = 0, to = text.length): number {
  let n = 0;
  let i = text.indexOf('\n', from);
  while (i !== -1 && i < to) {
    n++;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
