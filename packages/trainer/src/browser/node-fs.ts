/**
 * The browser build's stand-in for `node-fs.ts` (package.json `browser` map): a page has no
 * `outputDir` on disk. Train with `logToFile: false` and no checkpoint saves; save the result into
 * a `WritableFolder` (`memoryFolder()` + `zipFolder`, or `opfsFolder`).
 */
function noDisk(what: string, path?: unknown): never {
  throw new Error(
    `${typeof path === 'string' ? `${path}: ` : ''}the trainer's ${what} writes to outputDir on disk, which needs Node; in a page pass logToFile: false and saveStrategy: 'no', and save with savePretrained(memoryFolder())`,
  );
}

/** Joins path parts with `/` (a page's paths are URLs). */
export function join(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/{2,}/g, '/');
}

export function existsSync(_path: string): boolean {
  return false;
}
export const appendFile = (path: unknown): Promise<void> => noDisk('log file', path);
export const mkdir = (path: unknown): Promise<void> => noDisk('log file', path);
export const readdir = (path: unknown): Promise<string[]> => noDisk('checkpoint listing', path);
export const readFile = (path: unknown): Promise<string> => noDisk('checkpoint reading', path);
export const rm = (path: unknown): Promise<void> => noDisk('checkpoint rotation', path);
export const writeFile = (path: unknown): Promise<void> => noDisk('checkpoint', path);
