import { DataError, type Located } from './errors.js';
import { type ConllOptions, readConll } from './formats/conll.js';
import { type ConlluColumn, readConllu } from './formats/conllu.js';
import { type ColumnType, readCsv } from './formats/csv.js';
import { readJson } from './formats/json.js';
import { readJsonl } from './formats/jsonl.js';
import { readText } from './formats/text.js';
import type { OpenOptions } from './io/open.js';

/** The file formats the readers understand. Any of them may be gzip-compressed. */
export type DataFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'text' | 'conll' | 'conllu';

/** Every format that {@link inferFormat} and {@link readRecords} accept. */
export const DATA_FORMATS: readonly DataFormat[] = ['jsonl', 'json', 'csv', 'tsv', 'text', 'conll', 'conllu'];

const EXTENSIONS: Readonly<Record<string, DataFormat>> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  txt: 'text',
  text: 'text',
  conll: 'conll',
  iob: 'conll',
  iob2: 'conll',
  bio: 'conll',
  conllu: 'conllu',
};

/**
 * The format of a data file from its name, ignoring a trailing `.gz` (`train.jsonl.gz` → `jsonl`).
 * Returns undefined for names it does not know; pass `format` explicitly then.
 */
export function inferFormat(path: string): DataFormat | undefined {
  const base = path.replace(/\\/g, '/').split('/').pop() ?? path;
  const parts = base.toLowerCase().split('.');
  if (parts.length > 1 && (parts[parts.length - 1] === 'gz' || parts[parts.length - 1] === 'gzip'))
    parts.pop();
  if (parts.length < 2) return undefined;
  return EXTENSIONS[parts[parts.length - 1]];
}

/**
 * Options of {@link readRecords}: the format plus that format's settings. `columns` means column
 * names to keep or rename for CSV/TSV (`['text', 'label']` or `{ text: 'sentence' }`), column
 * indices for CoNLL (`{ tokens: 0, tags: -1 }`) and CoNLL-U column names for CoNLL-U
 * (`{ tokens: 'FORM', tags: 'UPOS' }`).
 */
export interface ReadOptions extends OpenOptions {
  /** Default: inferred from the file name (see {@link inferFormat}). */
  format?: DataFormat;
  /** CSV/TSV: field separator (default `,` for csv, tab for tsv; CoNLL: default tab-or-whitespace). */
  delimiter?: string;
  /** CSV/TSV: quote character, `null` for none (default `"`). */
  quote?: string | null;
  /** CSV/TSV: first row names the columns (default true). */
  header?: boolean;
  /** CSV/TSV: column names (required without a header). */
  columnNames?: readonly string[];
  /** Columns to keep (meaning per format, see above). */
  columns?: readonly string[] | Readonly<Record<string, string | number>>;
  /** CSV/TSV: conversions by output column name. */
  columnTypes?: Readonly<Record<string, ColumnType>>;
  /** Text: `'line'` (default), `'paragraph'` or `'document'`. */
  sampleBy?: 'line' | 'paragraph' | 'document';
  /** Text, line mode: keep `\n` at line ends. */
  keepLinebreaks?: boolean;
  /** Text, line mode: drop blank lines. */
  skipEmptyLines?: boolean;
  /** CoNLL-U: add `meta` from `# key = value` comments. */
  metadata?: boolean;
}

/**
 * Streams the records of one data file, each with its file and line. Gzip is detected by the
 * file's magic bytes. Memory stays bounded (one record at a time), except for text files read
 * with `sampleBy: 'document'`.
 */
export async function* readRecords(
  path: string,
  options: ReadOptions = {},
): AsyncGenerator<Located<unknown>> {
  yield* open(path, options);
}

function open(path: string, options: ReadOptions): AsyncGenerator<Located<unknown>> {
  const format = options.format ?? inferFormat(path);
  const file = options.displayName ?? path;
  if (!format) {
    throw new DataError(
      `cannot tell the format from the file name; pass format: ${DATA_FORMATS.map((f) => `'${f}'`).join(' | ')}`,
      { file },
    );
  }
  const columns = options.columns;
  switch (format) {
    case 'jsonl':
      return readJsonl(path, options);
    case 'json':
      return readJson(path, options);
    case 'csv':
    case 'tsv':
      if (columns && !Array.isArray(columns) && Object.values(columns).some((v) => typeof v !== 'string')) {
        throw new Error('CSV options: `columns` must map output names to column names (strings)');
      }
      return readCsv(path, {
        ...options,
        columns: columns as readonly string[] | Record<string, string> | undefined,
        delimiter: options.delimiter ?? (format === 'tsv' ? '\t' : ','),
      });
    case 'text':
      return readText(path, options);
    case 'conll':
      if (Array.isArray(columns) || (columns && Object.values(columns).some((v) => typeof v !== 'number'))) {
        throw new Error(
          'CoNLL options: `columns` must map output names to column indices, e.g. { tokens: 0, tags: -1 }',
        );
      }
      return readConll(path, options as ConllOptions);
    case 'conllu':
      if (Array.isArray(columns)) {
        throw new Error(
          "CoNLL-U options: `columns` must map output names to columns, e.g. { tokens: 'FORM', tags: 'UPOS' }",
        );
      }
      return readConllu(path, { ...options, columns: columns as Record<string, ConlluColumn> | undefined });
    default:
      throw new Error(`unknown format ${JSON.stringify(format)}; use one of ${DATA_FORMATS.join(', ')}`);
  }
}
