/**
 * The browser build's stand-in for `download.ts` (package.json `browser` map): a page does not
 * download into a cache folder; a hub repo id resolves to its `resolve/<revision>/` URL, which
 * `toFolder` reads with `fetch` (the browser's HTTP cache keeps the files).
 */
import { hubResolveUrl } from '../folder.js';
import type { HubOptions } from '../hub-cache.js';

export type { ResolveOptions } from '../download.js';

/** A URL or path is returned as is (relative to the page); a repo id becomes its hub `resolve/` URL. */
export async function resolvePretrained(pathOrRepoId: string, options: HubOptions = {}): Promise<string> {
  if (
    /^[a-z]+:\/\//i.test(pathOrRepoId) ||
    /^[./~]/.test(pathOrRepoId) ||
    pathOrRepoId.split('/').length > 2
  ) {
    return pathOrRepoId;
  }
  return hubResolveUrl(pathOrRepoId, {
    ...(options.revision !== undefined && { revision: options.revision }),
    ...(options.hubUrl !== undefined && { hubUrl: options.hubUrl }),
    ...(options.repoType !== undefined && { repoType: options.repoType }),
  });
}

/** A hub file's URL (`…/resolve/<revision>/<file>`); fetch it, or read it with `urlFolder`. */
export async function downloadFile(repoId: string, file: string, options: HubOptions = {}): Promise<string> {
  return `${await resolvePretrained(repoId, options)}${file}`;
}
