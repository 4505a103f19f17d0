/**
 * The browser build's stand-in for `node-folder.ts` (package.json `browser` map): a path string
 * names a URL (relative to the page), read with `fetch`; there is no disk to write to.
 */
import { type Folder, isFolder, urlFolder, type WritableFolder, writableFolderOf } from '../folder.js';

const baseUrl = (): string | undefined => (globalThis as { location?: { href: string } }).location?.href;

/** Not available in a page: there is no disk. Use `opfsFolder`, `memoryFolder` or `urlFolder`. */
export function nodeFolder(path: string): WritableFolder {
  throw new Error(
    `${path}: folders on disk need Node; in a page use urlFolder(url), filesFolder(fileList), opfsFolder(dir) or memoryFolder()`,
  );
}

/** In a page, a path string is a URL relative to the page (a checkpoint served with the site). */
export function toFolder(pathOrFolder: string | Folder): Folder {
  if (isFolder(pathOrFolder)) return pathOrFolder;
  const base = baseUrl();
  return urlFolder(base ? new URL(pathOrFolder, base).href : pathOrFolder);
}

/** In a page a path string cannot be written to: pass `memoryFolder()` or `opfsFolder(dir)`. */
export function toWritableFolder(pathOrFolder: string | WritableFolder): WritableFolder {
  return writableFolderOf(pathOrFolder, nodeFolder);
}

/** A page has no folders on disk. */
export async function isLocalFolder(_path: string): Promise<boolean> {
  return false;
}

/** One file by path, as UTF-8 text: in a page, a URL relative to the page. */
export async function readTextFile(path: string): Promise<string> {
  const base = baseUrl();
  const url = base ? new URL(path, base).href : path;
  const parts = url.split('/');
  const name = parts.pop()!;
  return urlFolder(parts.join('/')).readText(name);
}
