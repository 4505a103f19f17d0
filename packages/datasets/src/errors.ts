/** Where a record came from: the file (as the user named it) and its 1-based line. */
export interface SourceLocation {
  /** The file as shown in messages: the path the caller passed, or a hub `repo/path`. */
  readonly file: string;
  /** 1-based line where the record (or the problem) starts. */
  readonly line: number;
}

/**
 * A problem with input data. `message` is always `file:line: field: reason` (parts that are
 * unknown are left out), e.g. `data.jsonl:1812: messages[2].role: expected "system" | "user" | "assistant"`.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** Path of the offending field inside the record (`messages[2].role`), when there is one. */
  readonly field: string | undefined;
  /** The reason alone, without location or field. */
  readonly reason: string;

  constructor(
    reason: string,
    where: { file?: string; line?: number; field?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(formatDataError(reason, where), options);
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
    this.reason = reason;
  }
}

/** Formats `file:line: field: reason`, leaving out what is unknown. */
export function formatDataError(
  reason: string,
  where: { file?: string; line?: number; field?: string },
): string {
  let prefix = '';
  if (where.file !== undefined)
    prefix = where.line !== undefined ? `${where.file}:${where.line}: ` : `${where.file}: `;
  else if (where.line !== undefined) prefix = `line ${where.line}: `;
  const field = where.field ? `${where.field}: ` : '';
  return `${prefix}${field}${reason}`;
}

/** A value together with where it was read from. Readers yield these so later errors can name the line. */
export interface Located<T> extends SourceLocation {
  readonly value: T;
}
