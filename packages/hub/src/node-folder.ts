/**
 * What a path string means in Node: a folder on disk. (The browser build of @gptft/hub swaps this
 * module for `browser/node-folder.ts`, where a path string is a URL relative to the page.)
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { type Folder, isFolder, type WritableFolder, writableFolderOf } from './folder.js';

/** A folder on disk; writes are atomic (temporary sibling + fsync + rename). Node only. */
export function nodeFolder(path: string): WritableFolder {
  return {
    location: path,
    pathOf: (name) => join(path, name),
    readBytes: async (name) => {
      const b = await readFile(join(path, name));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
    readText: (name) => readFile(join(path, name), 'utf8'),
    exists: async (name) => {
      try {
        return (await stat(join(path, name))).isFile();
      } catch {
        return false;
      }
    },
    list: () => readdir(path),
    write: (name, data) => writeFileAtomic(join(path, name), data),
    remove: (name) => rm(join(path, name), { force: true }),
  };
}

/** A {@link Folder} for a path (Node: a folder on disk; a page: a URL) or the folder itself. */
export function toFolder(pathOrFolder: string | Folder): Folder {
  return isFolder(pathOrFolder) ? pathOrFolder : nodeFolder(pathOrFolder);
}

/** A {@link WritableFolder} for a path (Node: a folder on disk) or the writable folder itself. */
export function toWritableFolder(pathOrFolder: string | WritableFolder): WritableFolder {
  return writableFolderOf(pathOrFolder, nodeFolder);
}

/** Whether a path is a folder on disk (a page has none: false there). */
export async function isLocalFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** One file by path, as UTF-8 text (Node: from disk; a page: fetched, relative to the page). */
export async function readTextFile(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
