import { DataError, type Located } from '../errors.js';
import { type Line, linesOf, readLineBatches } from '../io/lines.js';
import type { OpenOptions } from '../io/open.js';
import { isBlank } from './jsonl.js';

/**
 * Reads a token-per-line file (CoNLL, CoNLL-U) one sentence at a time: runs of lines separated
 * by blank or whitespace-only lines, and by lines for which `isSeparator` holds (they are
 * dropped, like CoNLL's `-DOCSTART-`). `parse` turns a sentence's lines into a record located at
 * a line, or throws a `DataError` for a bad line; with `onRecordError` that sentence is reported
 * and dropped, otherwise the error propagates. Only one sentence is held in memory.
 */
export async function* readSentences<T>(
  path: string,
  options: OpenOptions,
  parse: (lines: Line[]) => { value: T; line: number } | undefined,
  isSeparator: (text: string) => boolean = () => false,
): AsyncGenerator<Located<T>> {
  const file = options.displayName ?? path;
  const emit = (lines: Line[]): Located<T> | undefined => {
    if (lines.length === 0) return undefined;
    try {
      const parsed = parse(lines);
      return parsed && { value: parsed.value, file, line: parsed.line };
    } catch (error) {
      if (!(error instanceof DataError) || !options.onRecordError) throw error;
      options.onRecordError(error);
      return undefined;
    }
  };
  let sentence: Line[] = [];
  for await (const batch of readLineBatches(path, options))
    for (const line of linesOf(batch)) {
      if (isBlank(line.text) || isSeparator(line.text)) {
        const record = emit(sentence);
        if (record) yield record;
        sentence = [];
      } else sentence.push(line);
    }
  const record = emit(sentence);
  if (record) yield record;
}
