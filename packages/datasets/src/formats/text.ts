import type { Located } from '../errors.js';
import { linesOf, readLineBatches, readTextChunks } from '../io/lines.js';
import type { OpenOptions } from '../io/open.js';
import { isBlank } from './jsonl.js';

/** Options of the plain-text reader (names follow the Hugging Face `text` loader). */
export interface TextOptions extends OpenOptions {
  /**
   * `'line'` (default): one `{ text }` per line. `'paragraph'`: one per block of lines separated by
   * blank lines (lines joined with `\n`). `'document'`: the whole file as one `{ text }`.
   */
  sampleBy?: 'line' | 'paragraph' | 'document';
  /** In `'line'` mode, keep the `\n` at the end of each line (default false, as HF). */
  keepLinebreaks?: boolean;
  /** In `'line'` mode, drop empty and whitespace-only lines (default false: HF keeps them as `''`). */
  skipEmptyLines?: boolean;
}

/** Reads plain text as `{ text }` records (see {@link TextOptions.sampleBy}). */
export async function* readText(
  path: string,
  options: TextOptions = {},
): AsyncGenerator<Located<{ text: string }>> {
  const file = options.displayName ?? path;
  const mode = options.sampleBy ?? 'line';
  if (mode === 'document') {
    const parts: string[] = [];
    for await (const chunk of readTextChunks(path, options)) parts.push(chunk);
    yield { value: { text: parts.join('') }, file, line: 1 };
    return;
  }
  if (mode === 'line') {
    const eol = options.keepLinebreaks ? '\n' : '';
    for await (const batch of readLineBatches(path, options))
      for (const { text, line } of linesOf(batch)) {
        if (options.skipEmptyLines && isBlank(text)) continue;
        yield { value: { text: text + eol }, file, line };
      }
    return;
  }
  let lines: string[] = [];
  let start = 0;
  for await (const batch of readLineBatches(path, options))
    for (const { text, line } of linesOf(batch)) {
      if (isBlank(text)) {
        if (lines.length > 0) yield { value: { text: lines.join('\n') }, file, line: start };
        lines = [];
        continue;
      }
      if (lines.length === 0) start = line;
      lines.push(text);
    }
  if (lines.length > 0) yield { value: { text: lines.join('\n') }, file, line: start };
}
