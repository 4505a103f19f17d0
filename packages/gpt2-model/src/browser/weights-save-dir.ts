/**
 * The browser build's stand-in for `weights-save-dir.ts` (package.json `browser` map): a page has
 * no disk; `savePretrained(memoryFolder())` (then `zipFolder`) or `savePretrained(opfsFolder(dir))`.
 */
import type { FolderWriter } from '../weights-save-dir.js';

export type { FolderWriter } from '../weights-save-dir.js';

export async function writeDirWith(
  dir: string,
  _skipOld: ((name: string) => boolean) | undefined,
  _fill: (out: FolderWriter) => Promise<void>,
): Promise<void> {
  throw new Error(
    `${dir}: saving to a folder on disk needs Node; in a page save to memoryFolder() or opfsFolder(dir)`,
  );
}
