/**
 * The browser build's stand-in for `hub-cache.ts` (package.json `browser` map): a page has no
 * Hugging Face cache folder (files come from `urlFolder(hubResolveUrl(id))`, cached by the browser).
 */
export { isCommitHash, repoFolderName } from '../hub-names.js';

export type { HubOptions } from '../hub-cache.js';

function noCache(what: string): never {
  throw new Error(
    `${what}: the Hugging Face cache folder needs Node; in a page read a repo with urlFolder(hubResolveUrl(repoId))`,
  );
}

export function defaultCacheDir(): string {
  return noCache('defaultCacheDir');
}

/** https://huggingface.co (a page has no HF_ENDPOINT environment variable). */
export function defaultHubUrl(): string {
  return 'https://huggingface.co';
}

/** Always false in a page (no HF_HUB_OFFLINE environment variable). */
export function isOfflineEnv(): boolean {
  return false;
}

export function repoCacheDir(repoId: string): string {
  return noCache(`repoCacheDir(${repoId})`);
}

export function snapshotDir(storage: string): string {
  return noCache(`snapshotDir(${storage})`);
}

export async function cachedCommit(storage: string): Promise<string | undefined> {
  return noCache(`cachedCommit(${storage})`);
}
