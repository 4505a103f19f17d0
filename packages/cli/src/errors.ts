import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CommanderError } from 'commander';

/** An error meant for the user: one line, plus a hint saying what to do about it. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Hints for errors thrown by the packages, keyed by the error's class name. */
const HINTS: Record<string, string> = {
  DataError: 'fix the record at the file:line shown, or point --data at another file',
  TrainingArgumentsError: 'see `gptft <command> --help` for the allowed values',
  ConfigError: 'check the model folder’s config.json (or the --n-* size flags)',
  CheckpointError: 'is the folder a complete Hugging Face checkpoint (config.json + model.safetensors)?',
  HubError: 'check the repo id and your network, or pass a local folder',
  TokenizerFileError:
    'the folder needs vocab.json + merges.txt (or tokenizer.json); `gptft tokenizer train` writes them',
  BackendUnavailableError: 'try --backend wasm (always available) or --backend cpu',
};

/**
 * Where a path could not be made: the nearest part of it that exists, when that part is a file
 * (so nothing can be created below it) or cannot be written (read-only file system, permissions).
 */
function blockedBy(path: string): { at: string; why: string } | undefined {
  let at = resolve(path);
  while (dirname(at) !== at) {
    at = dirname(at);
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch {
      continue;
    }
    if (!isDir) return { at, why: 'is a file, not a folder' };
    try {
      accessSync(at, constants.W_OK);
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return {
        at,
        why: code === 'EROFS' ? 'is on a read-only file system' : 'is not writable (permission denied)',
      };
    }
  }
  return undefined;
}

const CREATING = new Set(['mkdir', 'mkdtemp', 'rename', 'symlink', 'link', 'copyfile']);

const OUTPUT_HINT = 'choose another --output-dir, or fix the folder and run again';

/** The message and hint for a Node file-system error that names its path; undefined for others. */
function describeFsError(err: NodeJS.ErrnoException): { message: string; hint?: string } | undefined {
  const { code, path, syscall } = err;
  if (code === undefined || path === undefined) return undefined;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR': {
      // mkdir -p reports ENOENT when the real cause is the nearest existing folder (read-only, a file).
      const creating = code === 'ENOTDIR' || CREATING.has(syscall ?? '');
      const blocked = creating ? blockedBy(path) : undefined;
      if (blocked)
        return { message: `cannot create ${path}: ${blocked.at} ${blocked.why}`, hint: OUTPUT_HINT };
      return code === 'ENOENT'
        ? { message: `no such file or folder: ${path}`, hint: 'check the path' }
        : { message: `a part of ${path} is a file, not a folder`, hint: 'check the path' };
    }
    case 'EROFS':
      return { message: `cannot write ${path}: the file system is read-only`, hint: OUTPUT_HINT };
    case 'EACCES':
    case 'EPERM':
      return { message: `permission denied: ${path}`, hint: OUTPUT_HINT };
    case 'ENOSPC':
    case 'EDQUOT':
      return {
        message: `no space left on the device while writing ${path}`,
        hint: 'free some space or choose another --output-dir; what was there before is unchanged (writes are atomic)',
      };
    case 'EISDIR':
      return { message: `${path} is a folder, not a file`, hint: 'check the path' };
    default:
      return undefined;
  }
}

/** The message and hint shown for an error (without stack). */
export function describeError(e: unknown): { message: string; hint?: string } {
  if (e instanceof CliError) return { message: e.message, ...(e.hint && { hint: e.hint }) };
  if (e instanceof Error) {
    const fs = describeFsError(e as NodeJS.ErrnoException);
    if (fs) return fs;
    // gptft's own errors are written for the user, extra lines included (the pickle conversion
    // commands); anything else is cut to its first line.
    const own = HINTS[e.name] !== undefined;
    const message = own ? e.message : (e.message.split('\n')[0] ?? e.message);
    let hint = HINTS[e.name] ?? HINTS[e.constructor.name];
    if (e.name === 'DataError' && /invalid UTF-8/.test(e.message)) hint = UTF8_HINT;
    if (e.name === 'CheckpointError' && /pickle/.test(e.message)) hint = PICKLE_HINT;
    return { message, ...(hint && { hint }) };
  }
  return { message: String(e) };
}

const UTF8_HINT =
  'the file is not UTF-8: convert it (e.g. iconv -f latin1 -t utf-8), or pass --encoding-errors replace to read bad bytes as U+FFFD';
const PICKLE_HINT = 'run one of the commands above once, then point --model at the converted folder';

/** Writes the error as one line (`gptft: error: …`) plus an indented hint; the stack only when verbose. */
export function reportError(e: unknown, verbose: boolean, write: (s: string) => void): void {
  if (e instanceof CommanderError) return; // commander already printed its one line
  const { message, hint } = describeError(e);
  write(`gptft: error: ${message}\n`);
  if (hint) write(`  hint: ${hint}\n`);
  if (verbose && e instanceof Error && e.stack) write(`${e.stack}\n`);
  else if (!verbose) write('  (run with --verbose for the stack trace)\n');
}
