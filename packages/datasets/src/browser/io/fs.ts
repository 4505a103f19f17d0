/**
 * The browser build's stand-in for `io/fs.ts` (package.json `browser` map): in a page a data
 * path is a URL relative to the page; a folder of URLs cannot be listed.
 */

/** Joins URL path parts with `/`. */
export function join(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .join('/');
}

/** A page cannot list a folder of URLs: name the files (dataFiles) instead. */
export async function listFiles(dir: string): Promise<string[]> {
  throw new Error(
    `${dir}: listing a folder needs Node; in a page load files by URL (loadDataset('data/train.jsonl'))`,
  );
}

/** A path with a file extension is a file (URL); anything else a folder. */
export async function pathKind(p: string): Promise<'file' | 'dir' | 'missing'> {
  return /\.[a-z]+(\.gz)?$/i.test(p.split('?')[0]!) ? 'file' : 'dir';
}
