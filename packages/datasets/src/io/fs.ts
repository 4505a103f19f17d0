/**
 * The file system as the dataset loader sees it (Node). The browser build swaps this module for
 * `browser/io/fs.ts` (package.json `browser` map): paths are URLs there, and folders cannot be listed.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export { join } from 'node:path';

/** Lists the files below `dir` (relative paths with `/`), skipping hidden files and folders. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        // The HF cache's snapshot folders are symlinks into blobs/.
        const s = await stat(full);
        isDir = s.isDirectory();
        isFile = s.isFile();
      }
      if (isDir) await walk(full);
      else if (isFile) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out;
}

/** Whether a path is a file, a folder or nothing. */
export async function pathKind(p: string): Promise<'file' | 'dir' | 'missing'> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}
