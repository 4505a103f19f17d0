/**
 * Atomic writes: a reader (or a crash) sees either the old file/folder or the complete new one,
 * never a half-written one under the final name. Files are written to a temporary sibling,
 * fsynced, then renamed over the target; folders are built in a temporary sibling folder and
 * swapped in.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Names the file or folder being written in an fs error that lacks a path (writes and fsyncs
 * through a handle carry none: "ENOSPC: no space left on device, write"), in `path` and the message.
 */
function namingPath(err: unknown, path: string, tmp?: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof e.code !== 'string') return err;
  if (e.path === undefined) {
    e.path = path;
    e.message = `${e.message} (writing ${path})`;
  } else if (tmp !== undefined && e.path.startsWith(tmp)) {
    // A file of a folder being built: named where it was going to be, not in the temporary folder.
    e.path = path + e.path.slice(tmp.length);
    e.message = e.message.split(tmp).join(path);
  }
  return err;
}

function tmpSibling(path: string, kind: 'tmp' | 'old'): string {
  return join(dirname(path), `.${basename(path)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsyncs a directory so that a rename inside it is durable (best effort: not all platforms allow it). */
async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows and some file systems refuse to open or sync directories; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/**
 * Writes a file atomically, streaming: `write(handle)` fills a temporary file in the same folder,
 * which is then fsynced and renamed over `path`. If `write` throws, the temporary file is removed
 * and `path` is untouched.
 */
export async function writeFileAtomicWith(
  path: string,
  write: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpSibling(path, 'tmp');
  const handle = await open(tmp, 'wx');
  try {
    try {
      await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw namingPath(err, path);
  }
  await fsyncDir(dirname(path));
}

/** Writes `data` to `path` atomically (temporary file in the same folder + fsync + rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFileAtomicWith(path, async (handle) => {
    await handle.writeFile(data);
  });
}

/** fsyncs every file and folder below `dir` (so the swapped-in folder is durable as a whole). */
async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(p);
    else if (entry.isFile()) {
      const h = await open(p, 'r');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    }
  }
  await fsyncDir(dir);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process with this id runs (EPERM: it does, under another user). Internal to @gptft/hub. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs what an interrupted {@link writeDirAtomic} can leave: if `dir` is missing but a
 * backup of the old folder exists (the process died between the two renames of the swap), the
 * backup is put back; temporary folders of processes that no longer run are removed.
 * Returns true if the old folder was restored.
 */
export async function recoverDirAtomic(dir: string): Promise<boolean> {
  const parent = dirname(dir);
  const base = basename(dir);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return false;
  }
  let restored = false;
  const pattern = new RegExp(
    `^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-[0-9a-f]{8}$`,
  );
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid !== process.pid && processAlive(pid)) continue; // another writer is at work
    const p = join(parent, name);
    if (m[1] === 'old' && !restored && !(await exists(dir))) {
      await rename(p, dir);
      restored = true;
    } else {
      await rm(p, { recursive: true, force: true });
    }
  }
  return restored;
}

/**
 * Writes a folder atomically: `fill(tmpDir)` builds the new content in a temporary sibling folder,
 * which is fsynced and then swapped in for `dir` (the old folder, if any, is renamed aside and
 * removed afterwards). If `fill` throws, or the process is killed during it, `dir` is untouched
 * and no half-written folder ever appears under its name. Should the process die in the instant
 * between the two renames of the swap, the old folder survives under a hidden sibling name and
 * the next `writeDirAtomic` (or {@link recoverDirAtomic}) puts it back.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await recoverDirAtomic(dir);
  const tmp = tmpSibling(dir, 'tmp');
  await mkdir(tmp);
  try {
    await fill(tmp);
    await fsyncTree(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw namingPath(err, dir, tmp);
  }
  let old: string | undefined;
  if (await exists(dir)) {
    old = tmpSibling(dir, 'old');
    await rename(dir, old);
  }
  try {
    await rename(tmp, dir);
  } catch (err) {
    if (old) await rename(old, dir);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await fsyncDir(dirname(dir));
  if (old) await rm(old, { recursive: true, force: true });
}
