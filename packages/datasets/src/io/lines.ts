import { DataError } from '../errors.js';
import { type OpenOptions, readBytes } from './open.js';

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

/**
 * Streams the lines of a (possibly gzipped) UTF-8 file in batches (one per read chunk), with
 * bounded memory: only the current chunk and one partial line are held. Lines end at `\n`; a
 * trailing `\r` is dropped (CRLF files); a UTF-8 byte-order mark at the start is dropped. Invalid
 * UTF-8 fails with the file and line.
 */
export async function* readLineBatches(path: string, options: OpenOptions = {}): AsyncGenerator<LineBatch> {
  const name = options.displayName ?? path;
  // ignoreBOM keeps U+FEFF: the BOM is stripped by hand on line 1 only.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Uint8Array[] = [];
  let next = 1; // number of the next line
  // Bytes holding whole lines (no final newline) → their texts. A chunk is cut at its last
  // newline byte, which never occurs inside a multi-byte UTF-8 sequence.
  const decodeLines = (bytes: Uint8Array): LineBatch => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (err) {
      throw new DataError(
        'invalid UTF-8 byte sequence',
        { file: name, line: next + badLine(decoder, bytes) },
        { cause: err },
      );
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
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      carry.push(chunk);
      continue;
    }
    const head = carry.length > 0 ? concat([...carry, chunk.subarray(0, last)]) : chunk.subarray(0, last);
    carry = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
    yield decodeLines(head);
  }
  if (carry.length > 0) yield decodeLines(concat(carry));
}

/** Index (0-based) of the first line of `bytes` that is not valid UTF-8. */
function badLine(decoder: { decode(bytes: Uint8Array): string }, bytes: Uint8Array): number {
  let start = 0;
  for (let k = 0; ; k++) {
    const nl = bytes.indexOf(NEWLINE, start);
    const end = nl === -1 ? bytes.length : nl;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return k;
    }
    if (nl === -1) return k;
    start = nl + 1;
  }
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
 * not line-oriented (JSON arrays, whole documents). The BOM is dropped.
 */
export async function* readTextChunks(path: string, options: OpenOptions = {}): AsyncGenerator<string> {
  const name = options.displayName ?? path;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 1;
  for await (const chunk of readBytes(path, options)) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (err) {
      const line = lines + badLineInChunk(chunk);
      throw new DataError('invalid UTF-8 byte sequence', { file: name, line }, { cause: err });
    }
    if (text.length > 0) {
      yield text;
      lines += countNewlines(text);
    }
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch (err) {
    throw new DataError(
      'invalid UTF-8 byte sequence (truncated at the end of the file)',
      { file: name, line: lines },
      { cause: err },
    );
  }
  if (tail.length > 0) yield tail;
}

/**
 * Index of the line (counted from the chunk's start) holding the first invalid UTF-8 sequence of
 * a chunk cut from a stream: continuation bytes at its start belong to the previous chunk and an
 * incomplete sequence at its end to the next one, so neither counts.
 */
function badLineInChunk(chunk: Uint8Array): number {
  let start = 0;
  while (start < 3 && start < chunk.length && (chunk[start] & 0xc0) === 0x80) start++;
  const fatal = new TextDecoder('utf-8', { fatal: true });
  for (let k = 0; ; k++) {
    const nl = chunk.indexOf(NEWLINE, start);
    const end = nl === -1 ? chunk.length : nl;
    try {
      // The last piece may stop mid-character: decode it as a stream so that is not an error.
      fatal.decode(chunk.subarray(start, end), { stream: nl === -1 });
    } catch {
      return k;
    }
    if (nl === -1) return k;
    start = nl + 1;
  }
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
