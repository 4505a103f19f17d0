import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Located } from '../src/index.js';

/** Absolute path of a file in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** A fresh temporary folder; `cleanup()` removes it. */
export function tempDir(): {
  dir: string;
  write: (name: string, content: string | Uint8Array) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'gptft-datasets-'));
  return {
    dir,
    write: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Collects an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The error an async iterable (or promise) fails with. */
export async function failure(
  run: AsyncIterable<unknown> | Promise<unknown> | (() => unknown),
): Promise<Error> {
  try {
    if (typeof run === 'function') await run();
    else if (Symbol.asyncIterator in (run as object)) for await (const _ of run as AsyncIterable<unknown>);
    else await run;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, got none');
}

export type { Located };
