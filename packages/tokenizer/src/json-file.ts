/** Reading JSON files with errors that name the file, the line and the field. */
import type { Folder } from '@gptft/hub';
import type { z } from 'zod';

/** A tokenizer file that is missing a piece, malformed, or contradicts another file. */
export class TokenizerFileError extends Error {
  constructor(
    /** The file at fault. */
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'TokenizerFileError';
  }
}

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${offset - last}`;
}

/** Parses JSON text; a syntax error names the file and line. */
export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    const where = pos ? ` at ${lineCol(text, Number(pos[1]))}` : '';
    throw new TokenizerFileError(file, `invalid JSON${where}: ${message}`);
  }
}

/** Validates a parsed value; the error names the file and the first bad field. */
export function validate<T extends z.ZodType>(file: string, schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'top level';
  throw new TokenizerFileError(file, `${field}: ${issue.message}`);
}

/** Reads a file of a folder as UTF-8, or undefined when it does not exist. */
export async function readTextIfExists(folder: Folder, name: string): Promise<string | undefined> {
  try {
    return await folder.readText(name);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Reads and validates a JSON file, or undefined when it does not exist. */
export async function readJsonIfExists<T extends z.ZodType>(
  folder: Folder,
  name: string,
  schema: T,
): Promise<z.output<T> | undefined> {
  const text = await readTextIfExists(folder, name);
  if (text === undefined) return undefined;
  const path = folder.pathOf(name);
  return validate(path, schema, parseJson(path, text));
}
