/** Hub names that need no file system (shared by the Node and browser builds). */

/** The repo's folder name in the cache: `models--org--name` / `datasets--org--name`. */
export function repoFolderName(repoId: string, repoType: 'model' | 'dataset' = 'model'): string {
  return [`${repoType}s`, ...repoId.split('/')].join('--');
}

const COMMIT = /^[0-9a-f]{40}$/;

/** Whether a revision is a full commit sha (40 lowercase hex digits). */
export function isCommitHash(revision: string): boolean {
  return COMMIT.test(revision);
}
