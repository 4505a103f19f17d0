/**
 * Writing into the hub cache: blobs (streamed to a temporary file, size and sha256 checked, then
 * renamed into place), snapshot symlinks, refs, and gptft's download manifests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic } from './atomic.js';
import { HubError } from './errors.js';
import { snapshotDir } from './hub-cache.js';

/** One file of a repo at a commit, as the hub's tree API lists it. */
export interface RepoFile {
  path: string;
  size: number;
  /** Git blob sha1. */
  oid: string;
  /** Present for LFS (and Xet) files: sha256 and size of the real content. */
  lfs?: { oid: string; size: number };
}

/** gptft's record of a repo's full file list at a commit (kept beside, not inside, the HF layout). */
export interface Manifest {
  repoId: string;
  commit: string;
  files: RepoFile[];
}

/** The blob name Python's huggingface_hub uses: sha256 for LFS files, the git blob sha1 otherwise. */
export function blobEtag(file: RepoFile): string {
  return file.lfs?.oid ?? file.oid;
}

function contentSize(file: RepoFile): number {
  return file.lfs?.size ?? file.size;
}

function manifestPath(storage: string, commit: string): string {
  return join(storage, '.gptft', `${commit}.json`);
}

export async function readManifest(storage: string, commit: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(manifestPath(storage, commit), 'utf8')) as Manifest;
    return m.commit === commit && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function writeManifest(storage: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(manifestPath(storage, manifest.commit), JSON.stringify(manifest));
}

/** Writes `refs/<revision>` (the commit sha, no newline, as Python writes it). */
export async function writeRef(storage: string, revision: string, commit: string): Promise<void> {
  await mkdir(join(storage, 'refs'), { recursive: true });
  const path = join(storage, 'refs', revision);
  let current: string | undefined;
  try {
    current = await readFile(path, 'utf8');
  } catch {}
  if (current !== commit) await writeFileAtomic(path, commit);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Points `pointer` at `blob` with a relative symlink (a copy where symlinks are not allowed). */
async function linkPointer(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const tmp = `${pointer}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await symlink(relative(dirname(pointer), blob), tmp);
  } catch {
    await copyFile(blob, tmp); // e.g. Windows without developer mode, as huggingface_hub does
  }
  try {
    await rename(tmp, pointer);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Fetches one file's content as a stream (the hub client handles redirects, ranges and Xet). */
export type FetchContent = (file: RepoFile) => Promise<ReadableStream<Uint8Array>>;

/**
 * Makes `snapshots/<commit>/<path>` exist and hold the file's verified content: reuses the blob if
 * present (from an earlier download or from Python), else downloads it. Returns the pointer path.
 */
export async function ensureCachedFile(
  repoId: string,
  storage: string,
  commit: string,
  file: RepoFile,
  fetchContent: FetchContent,
): Promise<string> {
  assertRelativePath(repoId, file.path);
  const pointer = join(snapshotDir(storage, commit), file.path);
  const expected = contentSize(file);
  if ((await sizeOf(pointer)) === expected) return pointer;
  const blob = join(storage, 'blobs', blobEtag(file));
  if ((await sizeOf(blob)) !== expected) {
    await mkdir(dirname(blob), { recursive: true });
    const tmp = `${blob}.incomplete-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const hash = file.lfs ? createHash('sha256') : undefined;
      let received = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          hash?.update(chunk);
          done(null, chunk);
        },
      });
      const body = await fetchContent(file);
      await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx' }));
      if (received !== expected) {
        throw new HubError(
          repoId,
          `download of "${file.path}" was incomplete: got ${received} bytes, expected ${expected}`,
        );
      }
      const digest = hash?.digest('hex');
      if (digest !== undefined && digest !== file.lfs!.oid) {
        throw new HubError(
          repoId,
          `download of "${file.path}" is corrupt: sha256 ${digest}, expected ${file.lfs!.oid}`,
        );
      }
      const h = await open(tmp, 'r');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, blob);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
  await linkPointer(blob, pointer);
  return pointer;
}

/** Refuses repo paths that would escape the snapshot folder. */
export function assertRelativePath(repoId: string, path: string): void {
  const parts = path.replace(/\\/g, '/').split('/');
  if (
    path === '' ||
    parts.includes('..') ||
    parts.includes('') ||
    /^[a-zA-Z]:/.test(path) ||
    path.startsWith('/')
  ) {
    throw new HubError(repoId, `refusing repo file path "${path}": it must be a plain relative path`);
  }
}

/** Whether every file is present in the snapshot with its expected size. */
export async function snapshotHas(storage: string, commit: string, files: RepoFile[]): Promise<boolean> {
  for (const f of files) {
    const p = join(snapshotDir(storage, commit), f.path);
    try {
      await lstat(p);
    } catch {
      return false;
    }
    if ((await sizeOf(p)) !== contentSize(f)) return false;
  }
  return true;
}
