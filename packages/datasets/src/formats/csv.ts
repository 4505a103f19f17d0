import { DataError, type Located } from '../errors.js';
import { linesOf, readLineBatches } from '../io/lines.js';
import type { OpenOptions } from '../io/open.js';

/** How a CSV column's text is converted. */
export type ColumnType = 'string' | 'int' | 'number' | 'boolean';

/** Options of the CSV/TSV reader. */
export interface CsvOptions extends OpenOptions {
  /** Field separator: `,` for CSV (default), `\t` for TSV. */
  delimiter?: string;
  /** Quote character (default `"`; a doubled quote inside a quoted field is one quote). `null`: no quoting. */
  quote?: string | null;
  /** Whether the first record is a header row naming the columns (default true). */
  header?: boolean;
  /** Column names, required when `header` is false; with a header they replace its names. */
  columnNames?: readonly string[];
  /**
   * Which columns to keep: a list of names (in that order), or `{ outputName: columnName }` to keep
   * and rename (e.g. `{ text: 'sentence', label: 'label' }`). Default: every column.
   */
  columns?: readonly string[] | Readonly<Record<string, string>>;
  /** Conversions by output column name (default: every value stays a string). */
  columnTypes?: Readonly<Record<string, ColumnType>>;
}

/**
 * Reads CSV/TSV (RFC 4180 quoting: quoted fields may hold delimiters, doubled quotes and line
 * breaks) into one object per row, located at the line where the row starts. Blank lines are
 * skipped. A row with the wrong number of fields, an unterminated quote or a value that does not
 * convert fails with `file:line: …`.
 */
export async function* readCsv(
  path: string,
  options: CsvOptions = {},
): AsyncGenerator<Located<Record<string, unknown>>> {
  const file = options.displayName ?? path;
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote === undefined ? '"' : options.quote;
  if (delimiter.length !== 1)
    throw new Error(`CSV delimiter must be one character, got ${JSON.stringify(delimiter)}`);
  if (quote !== null && (quote.length !== 1 || quote === delimiter)) {
    throw new Error(`CSV quote must be one character other than the delimiter, got ${JSON.stringify(quote)}`);
  }
  const parser = new RowParser(delimiter, quote, file);
  const useHeader = options.header ?? true;
  let names: string[] | undefined = options.header === false ? [...(options.columnNames ?? [])] : undefined;
  if (options.header === false && (!options.columnNames || options.columnNames.length === 0)) {
    throw new Error('CSV options: `columnNames` is required when `header` is false');
  }
  let picks: Array<[out: string, index: number]> | undefined = names
    ? resolveColumns(names, options, file, 1)
    : undefined;

  for await (const batch of readLineBatches(path, options))
    for (const { text, line } of linesOf(batch)) {
      let row: { fields: string[]; line: number } | undefined;
      try {
        row = parser.push(text, line);
      } catch (err) {
        parser.reset();
        if (!(err instanceof DataError) || !options.onRecordError || !names) throw err;
        options.onRecordError(err);
        continue;
      }
      if (!row) continue;
      const { fields, line: rowLine } = row;
      if (!names) {
        if (useHeader) {
          names = options.columnNames ? [...options.columnNames] : fields;
          if (options.columnNames && options.columnNames.length !== fields.length) {
            throw new DataError(
              `columnNames has ${options.columnNames.length} names but the header has ${fields.length} columns`,
              { file, line: rowLine },
            );
          }
          const seen = new Set<string>();
          for (const n of names) {
            if (seen.has(n))
              throw new DataError(`duplicate column name ${JSON.stringify(n)} in the header`, {
                file,
                line: rowLine,
              });
            seen.add(n);
          }
          picks = resolveColumns(names, options, file, rowLine);
          continue;
        }
      }
      let record: Record<string, unknown>;
      try {
        record = toRecord(fields, names!, picks!, options.columnTypes, file, rowLine);
      } catch (err) {
        if (!(err instanceof DataError) || !options.onRecordError) throw err;
        options.onRecordError(err);
        continue;
      }
      yield { value: record, file, line: rowLine };
    }
  const open = parser.pendingLine();
  if (open !== undefined) {
    throw new DataError('unterminated quoted field (end of file inside quotes)', { file, line: open });
  }
}

function toRecord(
  fields: string[],
  names: readonly string[],
  picks: ReadonlyArray<[string, number]>,
  types: Readonly<Record<string, ColumnType>> | undefined,
  file: string,
  line: number,
): Record<string, unknown> {
  if (fields.length !== names.length) {
    throw new DataError(`expected ${names.length} fields (${names.join(', ')}), got ${fields.length}`, {
      file,
      line,
    });
  }
  const record: Record<string, unknown> = {};
  for (const [out, index] of picks) {
    const type = types?.[out];
    record[out] = type ? convert(fields[index], type, file, line, out) : fields[index];
  }
  return record;
}

function resolveColumns(
  names: readonly string[],
  options: CsvOptions,
  file: string,
  line: number,
): Array<[string, number]> {
  const spec = options.columns;
  const pairs: Array<[string, string]> = !spec
    ? names.map((n) => [n, n])
    : Array.isArray(spec)
      ? (spec as readonly string[]).map((n) => [n, n])
      : Object.entries(spec as Record<string, string>);
  return pairs.map(([out, src]) => {
    const index = names.indexOf(src);
    if (index < 0) {
      throw new DataError(`column ${JSON.stringify(src)} not found; the columns are: ${names.join(', ')}`, {
        file,
        line,
      });
    }
    return [out, index];
  });
}

function convert(value: string, type: ColumnType, file: string, line: number, field: string): unknown {
  switch (type) {
    case 'string':
      return value;
    case 'int':
      if (/^\s*[+-]?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
      throw new DataError(`expected an integer, got ${JSON.stringify(value)}`, { file, line, field });
    case 'number': {
      const n = value.trim() === '' ? Number.NaN : Number(value);
      if (Number.isFinite(n)) return n;
      throw new DataError(`expected a number, got ${JSON.stringify(value)}`, { file, line, field });
    }
    case 'boolean': {
      const v = value.trim().toLowerCase();
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      throw new DataError(`expected true/false, got ${JSON.stringify(value)}`, { file, line, field });
    }
  }
}

/** Incremental RFC 4180 row parser fed one physical line at a time. */
class RowParser {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private afterQuote = false;
  private startLine: number | undefined;

  constructor(
    private readonly delimiter: string,
    private readonly quote: string | null,
    private readonly file: string,
  ) {}

  /** Line where an unfinished (quoted, multi-line) row started, if any. */
  pendingLine(): number | undefined {
    return this.inQuotes ? this.startLine : undefined;
  }

  push(text: string, line: number): { fields: string[]; line: number } | undefined {
    if (!this.inQuotes) {
      if (text.length === 0 || /^\s*$/.test(text)) return undefined;
      this.startLine = line;
      if (this.quote === null || !text.includes(this.quote))
        return { fields: text.split(this.delimiter), line };
    } else {
      this.field += '\n';
    }
    const q = this.quote!;
    const d = this.delimiter;
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if (this.inQuotes) {
        const next = text.indexOf(q, i);
        if (next < 0) {
          this.field += text.slice(i);
          i = text.length;
          break;
        }
        this.field += text.slice(i, next);
        if (text[next + 1] === q) {
          this.field += q;
          i = next + 2;
        } else {
          this.inQuotes = false;
          this.afterQuote = true;
          i = next + 1;
        }
      } else if (this.afterQuote) {
        if (c !== d) {
          throw new DataError(
            `unexpected ${JSON.stringify(c)} after the closing quote of field ${this.fields.length + 1}`,
            { file: this.file, line },
          );
        }
        this.endField();
        i++;
      } else if (c === q && this.field.length === 0) {
        this.inQuotes = true;
        i++;
      } else if (c === d) {
        this.endField();
        i++;
      } else {
        let end = text.indexOf(d, i);
        if (end < 0) end = text.length;
        this.field += text.slice(i, end);
        i = end;
      }
    }
    if (this.inQuotes) return undefined;
    this.endField();
    const fields = this.fields;
    this.fields = [];
    return { fields, line: this.startLine! };
  }

  /** Drops a half-parsed row (after an error). */
  reset(): void {
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
    this.afterQuote = false;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.afterQuote = false;
  }
}
