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

/** The message and hint shown for an error (without stack). */
export function describeError(e: unknown): { message: string; hint?: string } {
  if (e instanceof CliError) return { message: e.message, ...(e.hint && { hint: e.hint }) };
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const path = (e as NodeJS.ErrnoException).path;
    if (code === 'ENOENT' && path)
      return { message: `no such file or folder: ${path}`, hint: 'check the path' };
    if (code === 'EACCES' && path) return { message: `permission denied: ${path}` };
    const firstLine = e.message.split('\n')[0] ?? e.message;
    const hint = HINTS[e.name] ?? HINTS[e.constructor.name];
    return { message: firstLine, ...(hint && { hint }) };
  }
  return { message: String(e) };
}

/** Writes the error as one line (`gptft: error: …`) plus an indented hint; the stack only when verbose. */
export function reportError(e: unknown, verbose: boolean, write: (s: string) => void): void {
  if (e instanceof CommanderError) return; // commander already printed its one line
  const { message, hint } = describeError(e);
  write(`gptft: error: ${message}\n`);
  if (hint) write(`  hint: ${hint}\n`);
  if (verbose && e instanceof Error && e.stack) write(`${e.stack}\n`);
  else if (!verbose) write('  (run with --verbose for the stack trace)\n');
}
