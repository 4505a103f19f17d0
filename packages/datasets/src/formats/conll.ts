import { DataError, type Located } from '../errors.js';
import type { Line } from '../io/lines.js';
import type { OpenOptions } from '../io/open.js';
import { readSentences } from './sentence-blocks.js';

/** Options of the CoNLL/IOB reader. */
export interface ConllOptions extends OpenOptions {
  /**
   * Output field → column index (0-based; negative counts from the end). Default
   * `{ tokens: 0, tags: -1 }`: the first column is the token, the last the tag (CoNLL-2003's
   * `EU NNP B-NP B-ORG` and WNUT's `token<TAB>tag` alike).
   */
  columns?: Readonly<Record<string, number>>;
  /**
   * Column separator. Default: a tab when the line holds one, else runs of whitespace.
   */
  delimiter?: string;
}

/**
 * Reads CoNLL-style token-per-line files (CoNLL-2003, WNUT, IOB2 NER) into one record per
 * sentence, e.g. `{ tokens: [...], tags: [...] }`. Sentences end at blank or whitespace-only
 * lines (WNUT 17's train file separates them with a lone tab); `-DOCSTART-` lines are skipped
 * and also end a sentence. Each record is located at the line of its first token. Every token
 * line must have as many columns as the file's first one (a ragged file fails naming the line).
 */
export function readConll(
  path: string,
  options: ConllOptions = {},
): AsyncGenerator<Located<Record<string, string[]>>> {
  const file = options.displayName ?? path;
  const columns = Object.entries(options.columns ?? { tokens: 0, tags: -1 });
  if (columns.length === 0) throw new Error('CoNLL options: `columns` names no column');
  // Columns counted from the start must come before those counted from the end, so a line needs
  // at least maxFromStart + 1 + maxFromEnd cells when both kinds are used ({ tokens: 0, tags: -1 } → 2).
  const fromStart = columns.filter(([, i]) => i >= 0).map(([, i]) => i + 1);
  const fromEnd = columns.filter(([, i]) => i < 0).map(([, i]) => -i);
  const need = Math.max(0, ...fromStart) + Math.max(0, ...fromEnd);
  // Every token line has the columns of the first one: with a ragged file, `tags: -1` would
  // silently take another column as the label on the shorter lines.
  let first: { count: number; line: number } | undefined;
  const parse = (lines: Line[]) => {
    const value = Object.fromEntries(columns.map(([name]) => [name, [] as string[]]));
    for (const { text, line } of lines) {
      const cells = split(text, options.delimiter);
      if (cells.length < need)
        throw new DataError(
          `expected at least ${need} columns, got ${cells.length} (${JSON.stringify(text)})`,
          {
            file,
            line,
          },
        );
      first ??= { count: cells.length, line };
      if (cells.length !== first.count) {
        throw new DataError(
          `${cells.length} columns, but line ${first.line} has ${first.count}: every token line must have ` +
            `the same columns, or the label column differs from line to line (${JSON.stringify(text)})`,
          { file, line },
        );
      }
      for (const [name, index] of columns) value[name].push(cells[index < 0 ? cells.length + index : index]);
    }
    return { value, line: lines[0].line };
  };
  return readSentences(path, options, parse, (text) => split(text, options.delimiter)[0] === '-DOCSTART-');
}

function split(text: string, delimiter: string | undefined): string[] {
  if (delimiter !== undefined) return text.split(delimiter);
  if (text.includes('\t')) return text.split('\t');
  return text.trim().split(/\s+/);
}
