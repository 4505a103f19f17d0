/**
 * Writing a model folder on disk (Node): built in a temporary sibling folder and swapped in
 * (`writeDirAtomic`), keeping the files of the old folder this save does not write. The browser
 * build swaps this module for `browser/weights-save-dir.ts` (package.json `browser` map).
 */
import { copyFile, link, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type TensorToWrite, writeDirAtomic, writeFileAtomic, writeSafetensors } from '@gptft/hub';

/** Where {@link writeDirWith}'s `fill` writes: files by name inside the folder being built. */
export interface FolderWriter {
  write(name: string, data: string | Uint8Array): Promise<void>;
  writeSafetensors(
    name: string,
    tensors: Record<string, TensorToWrite>,
    metadata?: Record<string, string>,
  ): Promise<void>;
}

/** Hard-links (or copies) `from` into `to`, recursively; skips what `skip` names at the top level. */
async function carryOver(from: string, to: string, skip: (name: string) => boolean): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (skip(e.name)) continue;
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) {
      await mkdir(dst);
      await carryOver(src, dst, () => false);
    } else if (e.isFile()) {
      await link(src, dst).catch(() => copyFile(src, dst));
    }
  }
}

/**
 * Builds folder `dir` atomically with `fill`; with `skipOld`, the old folder's files that it does
 * not name are carried over (hard-linked or copied).
 */
export async function writeDirWith(
  dir: string,
  skipOld: ((name: string) => boolean) | undefined,
  fill: (out: FolderWriter) => Promise<void>,
): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    if (skipOld) await carryOver(dir, tmp, skipOld);
    await fill({
      write: async (name, data) => {
        await mkdir(join(tmp, name, '..'), { recursive: true });
        await writeFileAtomic(join(tmp, name), data);
      },
      writeSafetensors: (name, tensors, metadata) => writeSafetensors(join(tmp, name), tensors, metadata),
    });
  });
}
