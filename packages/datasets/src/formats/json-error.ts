import { DataError } from '../errors.js';
import { countNewlines } from '../io/lines.js';

/**
 * Turns a `JSON.parse` failure on `text` (which starts at `line` of `file`) into a DataError that
 * names the exact line of the problem when V8 reports a position.
 */
export function jsonParseError(err: unknown, text: string, file: string, line: number): DataError {
  const message = (err as Error).message ?? String(err);
  const m = /at position (\d+)/.exec(message);
  let at = line;
  if (m) at += countNewlines(text, 0, Math.min(Number(m[1]), text.length));
  else if (/Unexpected end of JSON input/.test(message)) at += countNewlines(text);
  return new DataError(`invalid JSON: ${cleanMessage(message)}`, { file, line: at }, { cause: err });
}

/** Drops V8's echo of the whole input (`..., "{...}" is not valid JSON`), which can be huge. */
function cleanMessage(message: string): string {
  const echo = /^(.*?), (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s.exec(message);
  if (echo) return `${echo[1]}`;
  return message.replace(/ \(line \d+ column \d+\)$/, '');
}
