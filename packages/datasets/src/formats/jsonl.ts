import type { Located } from '../errors.js';
import { linesOf, readLineBatches } from '../io/lines.js';
import type { OpenOptions } from '../io/open.js';
import { jsonParseError } from './json-error.js';

/**
 * Reads JSON Lines: one JSON value per line; blank lines are skipped. A line that is not valid
 * JSON fails with `file:line: invalid JSON: …`.
 */
export async function* readJsonl(path: string, options: OpenOptions = {}): AsyncGenerator<Located<unknown>> {
  const file = options.displayName ?? path;
  for await (const batch of readLineBatches(path, options))
    for (const { text, line } of linesOf(batch)) {
      if (isBlank(text)) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        const error = jsonParseError(err, text, file, line);
        if (!options.onRecordError) throw error;
        options.onRecordError(error);
        continue;
      }
      yield { value, file, line };
    }
}

/** Whether a line is empty or whitespace only. */
export function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  if (c > 32 && c < 127) return false; // the common case: a printable ASCII first character
  return text.trim().length === 0;
}
