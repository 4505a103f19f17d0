import { DataError } from '../errors.js';
import { type OpenOptions, readBytes } from './open.js';

/** One line of a text file: its text (without `\n` / `\r\n`) and its 1-based number. */
export interface Line {
  readonly text: string;
  readonly line: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Streams the lines of a (possibly gzipped) UTF-8 file with bounded memory: only the current
 * chunk and one partial line are held. Lines end at `\n`; a trailing `\r` is dropped (CRLF files);
 * a UTF-8 byte-order mark at the start is dropped. Invalid UTF-8 fails with the file and line.
 */
export async function* readLines(path: string, options: OpenOptions = {}): AsyncGenerator<Line> {
  const name = options.displayName ?? path;
  // ignoreBOM keeps U+FEFF: each decode() call is a fresh stream, so the BOM is stripped by hand
  // on line 1 only.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Uint8Array[] = [];
  let lineNo = 0;
  const decode = (bytes: Uint8Array): string => {
    lineNo++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end--;
    try {
      const text = decoder.decode(bytes.subarray(0, end));
      return lineNo === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } catch (err) {
      throw new DataError('invalid UTF-8 byte sequence', { file: name, line: lineNo }, { cause: err });
    }
  };
  for await (const chunk of readBytes(path, options)) {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    while (nl !== -1) {
      let bytes = chunk.subarray(start, nl);
      if (carry.length > 0) {
        bytes = concat([...carry, bytes]);
        carry = [];
      }
      yield { text: decode(bytes), line: lineNo };
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      carry.push(Uint8Array.from(chunk.subarray(start)));
    }
  }
  if (carry.length > 0) yield { text: decode(concat(carry)), line: lineNo };
}

/**
 * Streams the decoded text of a (possibly gzipped) UTF-8 file in chunks, for formats that are
 * not line-oriented (JSON arrays, whole documents). The BOM is dropped.
 */
export async function* readTextChunks(path: string, options: OpenOptions = {}): AsyncGenerator<string> {
  const name = options.displayName ?? path;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 1;
  try {
    for await (const chunk of readBytes(path, options)) {
      const text = decoder.decode(chunk, { stream: true });
      if (text.length > 0) {
        yield text;
        lines += countNewlines(text);
      }
    }
    const tail = decoder.decode();
    if (tail.length > 0) yield tail;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError('invalid UTF-8 byte sequence', { file: name, line: lines }, { cause: err });
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
