import { DataError, type Located } from '../errors.js';
import { readTextChunks } from '../io/lines.js';
import type { OpenOptions } from '../io/open.js';
import { jsonParseError } from './json-error.js';
import { readJsonl } from './jsonl.js';

/**
 * Reads a `.json` file. A top-level array (`[{...}, {...}]`) is streamed element by element: the
 * file is scanned once, each element is parsed on its own and located at the line where it starts,
 * so arrays larger than memory work and a malformed element names its line. Any other file is read
 * as JSON Lines (as the Hugging Face `json` loader does).
 */
export async function* readJson(path: string, options: OpenOptions = {}): AsyncGenerator<Located<unknown>> {
  const file = options.displayName ?? path;
  const chunks = readTextChunks(path, options);
  // Peek at the first non-space character to decide between an array and JSON Lines.
  const buffered: string[] = [];
  let first = '';
  for await (const chunk of chunks) {
    buffered.push(chunk);
    const m = /\S/.exec(chunk);
    if (m) {
      first = m[0];
      break;
    }
  }
  if (first !== '[') {
    await chunks.return(undefined);
    let records = 0;
    try {
      for await (const r of readJsonl(path, options)) {
        records++;
        yield r;
      }
    } catch (err) {
      if (records > 0 || !(err instanceof DataError) || !err.reason.startsWith('invalid JSON')) throw err;
      throw new DataError(
        `${err.reason} (a .json file must hold a JSON array of records, or one JSON record per line)`,
        { file: err.file, line: err.line },
        { cause: err },
      );
    }
    return;
  }
  yield* scanArray(prepend(buffered, chunks), file, options.onRecordError);
}

async function* prepend(head: string[], rest: AsyncIterable<string>): AsyncGenerator<string> {
  yield* head;
  yield* rest;
}

enum State {
  BeforeArray = 0,
  InArray = 1,
  AfterArray = 2,
}

/** Splits the top-level array into element texts without parsing them, tracking line numbers. */
async function* scanArray(
  chunks: AsyncIterable<string>,
  file: string,
  onRecordError: ((error: DataError) => void) | undefined,
): AsyncGenerator<Located<unknown>> {
  let state = State.BeforeArray;
  let line = 1;
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let parts: string[] = []; // text of the current element so far
  let elementLine = 0; // line where the current element's first non-space char is (0: not started)
  let elements = 0;
  let expectElement = true; // after '[' or ',': an element must come next

  const finish = (text: string): Located<unknown> | undefined => {
    const trimmed = text.trim();
    if (trimmed.length === 0) {
      throw new DataError('invalid JSON: missing array element (stray or trailing comma?)', { file, line });
    }
    try {
      return { value: JSON.parse(trimmed), file, line: elementLine };
    } catch (err) {
      const error = jsonParseError(err, trimmed, file, elementLine);
      if (!onRecordError) throw error;
      onRecordError(error);
      return undefined;
    }
  };

  for await (const chunk of chunks) {
    let start = 0; // start of the element text within this chunk
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (state === State.BeforeArray) {
        if (c === 91 /* [ */) {
          state = State.InArray;
          start = i + 1;
        }
        continue;
      }
      if (state === State.AfterArray) {
        if (!isSpace(c)) {
          throw new DataError('invalid JSON: unexpected text after the closing "]"', { file, line });
        }
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92 /* \ */) escaped = true;
        else if (c === 34 /* " */) inString = false;
        continue;
      }
      if (elementLine === 0 && !isSpace(c) && !(depth === 0 && (c === 44 || c === 93))) {
        elementLine = line;
      }
      if (c === 34) inString = true;
      else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
      else if (c === 125 /* } */ || (c === 93 && depth > 0)) {
        if (--depth < 0) throw new DataError('invalid JSON: unexpected "}"', { file, line });
      } else if (depth === 0 && (c === 44 /* , */ || c === 93) /* ] */) {
        parts.push(chunk.slice(start, i));
        const text = parts.join('');
        parts = [];
        start = i + 1;
        if (c === 93 && elements === 0 && text.trim().length === 0 && expectElement) {
          state = State.AfterArray; // empty array
          continue;
        }
        const element = finish(text);
        if (element) yield element;
        elements++;
        elementLine = 0;
        expectElement = c === 44;
        if (c === 93) state = State.AfterArray;
      }
    }
    if (state === State.InArray) parts.push(chunk.slice(start));
  }
  if (state === State.BeforeArray) throw new DataError('invalid JSON: expected an array', { file, line });
  if (state === State.InArray) {
    throw new DataError(
      `invalid JSON: unexpected end of file inside the array${inString ? ' (unterminated string)' : ''}`,
      { file, line: elementLine || line },
    );
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
