import type { z } from 'zod';
import { DataError, type Located } from './errors.js';

/** What to do with a record that fails its schema (or cannot be parsed): stop, or skip it and count it. */
export type OnError = 'throw' | 'skip';

/** Options of schema validation. */
export interface ValidateOptions {
  /** `'throw'` (default): the first bad record stops the read with its DataError. `'skip'`: drop it and count it. */
  onError?: OnError;
  /** How many skipped records' errors the report keeps (default 5). */
  maxReportedErrors?: number;
  /**
   * Called once when a read that skipped records ends, with the report. Default: one warning line
   * on stderr (`console.warn`) when anything was skipped. Pass `() => {}` to silence it.
   */
  onReport?: (report: ValidationReport) => void;
}

/** The outcome of a validated read: how many records were seen, kept and skipped, and the first errors. */
export interface ValidationReport {
  /** Records seen (kept + skipped). */
  total: number;
  /** Records that passed. */
  valid: number;
  /** Records skipped (only with `onError: 'skip'`). */
  skipped: number;
  /** The first `maxReportedErrors` errors of skipped records. */
  errors: DataError[];
}

/** The one-line summary printed for a report, e.g. `skipped 2 of 1000 records (data.jsonl:3: …; …)`. */
export function formatReport(report: ValidationReport): string {
  const first = report.errors.map((e) => e.message).join('; ');
  const more =
    report.skipped > report.errors.length ? `; and ${report.skipped - report.errors.length} more` : '';
  return `skipped ${report.skipped} of ${report.total} records${first ? ` (${first}${more})` : ''}`;
}

/** Collects the skip count and first errors of one read. */
export class ErrorCollector {
  readonly report: ValidationReport = { total: 0, valid: 0, skipped: 0, errors: [] };
  private readonly max: number;

  constructor(readonly options: ValidateOptions = {}) {
    this.max = options.maxReportedErrors ?? 5;
  }

  /** Records a bad record: throws in `'throw'` mode, counts it in `'skip'` mode. */
  fail(error: DataError): void {
    if ((this.options.onError ?? 'throw') === 'throw') throw error;
    this.report.total++;
    this.report.skipped++;
    if (this.report.errors.length < this.max) this.report.errors.push(error);
  }

  ok(): void {
    this.report.total++;
    this.report.valid++;
  }

  /** Hands the report to `onReport` (or warns when records were skipped). */
  finish(): ValidationReport {
    if (this.options.onReport) this.options.onReport(this.report);
    else if (this.report.skipped > 0) console.warn(`@gptft/datasets: ${formatReport(this.report)}`);
    return this.report;
  }
}

/**
 * Checks one located record against a zod schema. On failure the DataError names the file, line
 * and field of the first problem: `data.jsonl:1812: messages[2].role: expected "system" | "user" | "assistant"`.
 */
export function validateRecord<S extends z.ZodType>(
  schema: S,
  record: Located<unknown>,
): { success: true; data: z.output<S> } | { success: false; error: DataError } {
  const result = schema.safeParse(record.value);
  if (result.success) return { success: true, data: result.data };
  const issue = result.error.issues[0] as unknown as Issue;
  const { field, reason } = describeIssue(issue, record.value, []);
  const error = new DataError(
    reason,
    { file: record.file, line: record.line, field: field || undefined },
    {
      cause: result.error,
    },
  );
  return { success: false, error };
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  errors?: Issue[][];
}

/** Formats a path as `messages[2].role`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describeIssue(
  issue: Issue,
  root: unknown,
  prefix: PropertyKey[],
): { field: string; reason: string } {
  const path = [...prefix, ...issue.path];
  const field = formatPath(path);
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'invalid_type':
      if (value.missing) return { field, reason: `missing (expected ${typeName(issue)})` };
      return { field, reason: `expected ${typeName(issue)}, got ${describeValue(value.value)}` };
    case 'invalid_value':
      return { field, reason: `expected ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(' | ')}` };
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const exclusive = issue.inclusive === false;
      if (issue.origin === 'array' || issue.origin === 'set') {
        return {
          field,
          reason: `expected ${word} ${exclusive ? `more than ${bound}` : bound} item${bound === 1 ? '' : 's'}, got ${lengthOf(value.value)}`,
        };
      }
      if (issue.origin === 'string') {
        return {
          field,
          reason: `expected ${word} ${bound} character${bound === 1 ? '' : 's'}, got ${lengthOf(value.value)}`,
        };
      }
      const op = issue.code === 'too_small' ? (exclusive ? '>' : '>=') : exclusive ? '<' : '<=';
      return { field, reason: `expected ${op} ${bound}, got ${describeValue(value.value)}` };
    }
    case 'unrecognized_keys':
      return {
        field,
        reason: `unexpected field${(issue.keys ?? []).length === 1 ? '' : 's'} ${(issue.keys ?? []).map((k) => JSON.stringify(k)).join(', ')}`,
      };
    case 'invalid_union': {
      const branches = issue.errors ?? [];
      const simple = branches.every(
        (b) => b.length === 1 && b[0].path.length === 0 && b[0].code === 'invalid_type',
      );
      if (simple && branches.length > 0) {
        const expected = [...new Set(branches.map((b) => typeName(b[0])))].join(' | ');
        if (value.missing) return { field, reason: `missing (expected ${expected})` };
        return { field, reason: `expected ${expected}, got ${describeValue(value.value)}` };
      }
      // Report the branch that got furthest (deepest first issue).
      const best = branches
        .filter((b) => b.length > 0)
        .sort((a, b) => b[0].path.length - a[0].path.length)[0];
      if (best) return describeIssue(best[0], root, path);
      return { field, reason: issue.message };
    }
    case 'invalid_format':
      return { field, reason: `expected ${issue.format ?? 'a different format'}` };
    default:
      return { field, reason: issue.message };
  }
}

function typeName(issue: Issue): string {
  if (issue.expected === 'int') return 'integer';
  return issue.expected ?? 'a different type';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { missing: boolean; value: unknown } {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !(key in (v as object)))
      return { missing: true, value: undefined };
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return { missing: v === undefined, value: v };
}

function lengthOf(v: unknown): string {
  return typeof v === 'string' || Array.isArray(v) ? String(v.length) : describeValue(v);
}

/** A short description of a value for messages: `number 3`, `null`, `array`, `"text"`. */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string')
    return v.length > 40 ? `string ${JSON.stringify(`${v.slice(0, 37)}...`)}` : `string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}
