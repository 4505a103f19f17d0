import { DataError, type Located } from '../errors.js';
import type { Line } from '../io/lines.js';
import type { OpenOptions } from '../io/open.js';
import { readSentences } from './sentence-blocks.js';

/** The ten CoNLL-U columns, in file order. */
export const CONLLU_COLUMNS = [
  'ID',
  'FORM',
  'LEMMA',
  'UPOS',
  'XPOS',
  'FEATS',
  'HEAD',
  'DEPREL',
  'DEPS',
  'MISC',
] as const;
/** A CoNLL-U column name. */
export type ConlluColumn = (typeof CONLLU_COLUMNS)[number];

/** Options of the CoNLL-U reader. */
export interface ConlluOptions extends OpenOptions {
  /**
   * Output field → CoNLL-U column. Default `{ tokens: 'FORM', tags: 'UPOS' }`; e.g.
   * `{ tokens: 'FORM', tags: 'XPOS' }` for PTB tags or add `lemmas: 'LEMMA'`.
   */
  columns?: Readonly<Record<string, ConlluColumn>>;
  /**
   * Add `meta: { sent_id, text, … }` from the sentence's `# key = value` comment lines (default false).
   */
  metadata?: boolean;
}

/**
 * Reads CoNLL-U (Universal Dependencies) into one record per sentence. Only syntactic words are
 * kept: multiword-token ranges (`1-2 don't`) and empty nodes (`8.1`) are skipped, so the tags line
 * up with the words as UD taggers expect. Comment lines (`# …`) are skipped (or collected with
 * `metadata: true`). A line without exactly 10 tab-separated columns, or with a bad ID, fails with
 * `file:line: …`. Each record is located at the line where its sentence starts.
 */
export function readConllu(
  path: string,
  options: ConlluOptions = {},
): AsyncGenerator<Located<Record<string, unknown>>> {
  const file = options.displayName ?? path;
  const columns = Object.entries(options.columns ?? { tokens: 'FORM', tags: 'UPOS' }).map(([name, col]) => {
    const index = (CONLLU_COLUMNS as readonly string[]).indexOf(col);
    if (index < 0) {
      throw new Error(
        `CoNLL-U options: unknown column ${JSON.stringify(col)}; use one of ${CONLLU_COLUMNS.join(', ')}`,
      );
    }
    return [name, index] as const;
  });
  const parse = (lines: Line[]) => {
    let words: Record<string, unknown> | undefined;
    const meta: Record<string, string> = {};
    let expectedId = 1;
    for (const { text, line } of lines) {
      if (text.startsWith('#')) {
        const m = /^#\s*([^=]+?)\s*(?:=\s?(.*))?$/.exec(text);
        if (m) meta[m[1]] = m[2] ?? '';
        continue;
      }
      const cells = text.split('\t');
      const error = checkLine(cells, expectedId, file, line);
      if (error === 'skip') continue;
      if (error) throw error;
      expectedId++;
      words ??= Object.fromEntries(columns.map(([name]) => [name, [] as string[]]));
      for (const [name, index] of columns) (words[name] as string[]).push(cells[index]);
    }
    if (!words) return undefined;
    if (options.metadata) words.meta = meta;
    return { value: words, line: lines[0].line };
  };
  return readSentences(path, options, parse);
}

/** Checks one word line: undefined when it is a word, 'skip' for ranges and empty nodes, else the error. */
function checkLine(
  cells: string[],
  expectedId: number,
  file: string,
  line: number,
): DataError | 'skip' | undefined {
  if (cells.length !== 10)
    return new DataError(`expected 10 tab-separated columns, got ${cells.length}`, { file, line });
  const id = cells[0];
  if (!isDigits(id)) {
    if (/^\d+[-.]\d+$/.test(id)) return 'skip';
    return new DataError(
      `expected an integer word index, a range like "1-2" or an empty node like "1.1", got ${JSON.stringify(id)}`,
      { file, line, field: 'ID' },
    );
  }
  if (Number(id) !== expectedId) {
    return new DataError(`expected word ${expectedId}, got ${id} (missing blank line between sentences?)`, {
      file,
      line,
      field: 'ID',
    });
  }
  return undefined;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
