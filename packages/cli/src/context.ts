import '@gptft/backend-wasm';
import '@gptft/backend-cpu';
import { type ActiveBackend, useBackend } from '@gptft/backend';

/** Where a command writes: human text to stdout, or (with `--json`) one JSON object. */
export class Context {
  readonly json: boolean;
  readonly verbose: boolean;
  constructor(
    opts: Record<string, unknown>,
    readonly stdout: NodeJS.WritableStream = process.stdout,
    readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.json = opts.json === true;
    this.verbose = opts.verbose === true;
  }

  /** Progress and logs: always stderr, so stdout stays clean for `--json` and pipes. */
  log(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  /** Details only with `--verbose`. */
  debug(line: string): void {
    if (this.verbose) this.stderr.write(`${line}\n`);
  }

  /** Human output on stdout (nothing in `--json` mode). */
  print(text: string): void {
    if (!this.json) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The command's result: one JSON object with `--json`, else `human()`'s text. */
  result(obj: unknown, human?: () => string): void {
    if (this.json) this.stdout.write(`${JSON.stringify(obj)}\n`);
    else if (human) this.print(human());
  }
}

/** Selects the tensor backend (`--backend`); logs which one and why with `--verbose`. */
export async function selectBackend(ctx: Context, name: string): Promise<ActiveBackend> {
  const active = await useBackend(name);
  ctx.debug(`backend: ${active.name} (${active.reason})`);
  return active;
}
