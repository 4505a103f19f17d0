/**
 * The browser build's stand-in for `atomic.ts` (package.json `browser` map): a page has no disk.
 * Write through a `WritableFolder` instead (`memoryFolder()` + `zipFolder`, or `opfsFolder`).
 */
function noDisk(what: string, path: string): never {
  throw new Error(
    `${path}: ${what} writes to disk, which needs Node; in a page write to memoryFolder() or opfsFolder(dir)`,
  );
}

export async function writeFileAtomicWith(
  path: string,
  _write: (handle: never) => Promise<void>,
): Promise<void> {
  noDisk('writeFileAtomicWith', path);
}

export async function writeFileAtomic(path: string, _data: Uint8Array | string): Promise<void> {
  noDisk('writeFileAtomic', path);
}

export function processAlive(_pid: number): boolean {
  return true;
}

export async function recoverDirAtomic(dir: string): Promise<boolean> {
  return noDisk('recoverDirAtomic', dir);
}

export async function writeDirAtomic(dir: string, _fill: (tmpDir: string) => Promise<void>): Promise<void> {
  noDisk('writeDirAtomic', dir);
}
