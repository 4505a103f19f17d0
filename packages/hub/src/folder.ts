/**
 * The I/O boundary: a checkpoint, tokenizer or adapter "folder" is whatever can read (and perhaps
 * write) the named files it holds. Node uses a folder on disk (`nodeFolder`, what a path string
 * means there); a web page uses a URL base (`urlFolder`, incl. a hub `resolve/` URL), the files of
 * a dropped folder (`filesFolder`), the Origin Private File System (`opfsFolder`) or memory
 * (`memoryFolder`, which `zipFolder` turns into a zip). Everything in this file is plain
 * TypeScript on web APIs (`fetch`, `Blob`), so it runs in Node and in browsers alike.
 */

/** A folder of named files. Names are `/`-separated paths relative to the folder. */
export interface Folder {
  /** Where the folder is, for messages: a path, a URL, `opfs:/…`, `files:…`, `memory:…`. */
  readonly location: string;
  /** `location` joined with `name`: what an error about that file names. */
  pathOf(name: string): string;
  /** A file's bytes; a {@link FolderError} with code `ENOENT` when it is absent. */
  readBytes(name: string): Promise<Uint8Array>;
  /** A file as UTF-8 text; a {@link FolderError} with code `ENOENT` when it is absent. */
  readText(name: string): Promise<string>;
  /** Whether a file of that name exists (false for a sub-folder). */
  exists(name: string): Promise<boolean>;
  /** Names of the files directly in the folder, or undefined where the store cannot list (URLs). */
  list(): Promise<string[] | undefined>;
}

/** A folder whose files can be written. */
export interface WritableFolder extends Folder {
  /**
   * Writes a whole file, creating sub-folders as needed; atomic where the store allows it (on disk:
   * temporary sibling + fsync + rename), so a reader never sees half a file under its name.
   */
  write(name: string, data: Uint8Array | string): Promise<void>;
  /** Removes a file; nothing happens when it is absent. */
  remove(name: string): Promise<void>;
}

/** A file of a folder that could not be read; `code` is `ENOENT` when it is absent (as Node's fs). */
export class FolderError extends Error {
  readonly path: string;
  readonly code: string;
  constructor(path: string, message: string, code = 'EIO', options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.name = 'FolderError';
    this.path = path;
    this.code = code;
  }
}

/** True for an object that implements {@link Folder} (and not a path string). */
export function isFolder(value: unknown): value is Folder {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Folder).readBytes === 'function' &&
    typeof (value as Folder).pathOf === 'function'
  );
}

/** True for a folder whose files can be written. */
export function isWritableFolder(value: unknown): value is WritableFolder {
  return isFolder(value) && typeof (value as WritableFolder).write === 'function';
}

/** The folder for a path (`fromPath`) or the folder itself, which must be writable. */
export function writableFolderOf(
  pathOrFolder: string | WritableFolder,
  fromPath: (path: string) => WritableFolder,
): WritableFolder {
  if (typeof pathOrFolder === 'string') return fromPath(pathOrFolder);
  if (!isWritableFolder(pathOrFolder))
    throw new Error(`${(pathOrFolder as Folder).location}: this folder is read-only`);
  return pathOrFolder;
}

/** Files of an in-page store by name: `pathOf` for messages and a lookup that throws ENOENT. */
function namedStore<T>(location: string, get: (name: string) => T | undefined, missing: string) {
  const pathOf = (name: string) => `${location}${location.endsWith(':') ? '' : '/'}${joinNames(name)}`;
  const find = (name: string): T => {
    const f = get(joinNames(name));
    if (f === undefined) throw new FolderError(pathOf(name), missing, 'ENOENT');
    return f;
  };
  return { pathOf, find };
}

/** Joins `/`-separated path parts, dropping empty parts and `.` (no `..` is allowed in a name). */
export function joinNames(...parts: string[]): string {
  const out: string[] = [];
  for (const part of parts) {
    for (const p of part.split('/')) {
      if (p === '' || p === '.') continue;
      if (p === '..') throw new Error(`"${part}": a file name in a folder may not contain ".."`);
      out.push(p);
    }
  }
  return out.join('/');
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** The files of `folder` under the sub-folder `name` (e.g. one adapter of a multi-adapter save). */
export function subFolder<F extends Folder>(folder: F, name: string): F {
  const prefix = joinNames(name);
  if (prefix === '') return folder;
  const sub: Folder = {
    location: folder.pathOf(prefix),
    pathOf: (n) => folder.pathOf(joinNames(prefix, n)),
    readBytes: (n) => folder.readBytes(joinNames(prefix, n)),
    readText: (n) => folder.readText(joinNames(prefix, n)),
    exists: (n) => folder.exists(joinNames(prefix, n)),
    list: async () => {
      const all = await folder.list();
      return all
        ?.filter((n) => n.startsWith(`${prefix}/`))
        .map((n) => n.slice(prefix.length + 1))
        .filter((n) => !n.includes('/'));
    },
  };
  if (isWritableFolder(folder)) {
    (sub as WritableFolder).write = (n, data) => folder.write(joinNames(prefix, n), data);
    (sub as WritableFolder).remove = (n) => folder.remove(joinNames(prefix, n));
  }
  return sub as F;
}

/** Options of {@link urlFolder}. */
export interface UrlFolderOptions {
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Extra request headers (e.g. `Authorization: Bearer <token>` for a private hub repo). */
  headers?: Record<string, string>;
}

/**
 * A folder served over HTTP: `name` is fetched from `base + name` (a trailing `/` is added to the
 * base). A Hugging Face hub repo is `urlFolder(hubResolveUrl('gpt2'))`. Read-only; cannot list.
 */
export function urlFolder(base: string, options: UrlFolderOptions = {}): Folder {
  const root = base.endsWith('/') ? base : `${base}/`;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const pathOf = (name: string) => `${root}${joinNames(name)}`;
  const get = async (name: string, method: 'GET' | 'HEAD'): Promise<Response> => {
    const url = pathOf(name);
    let res: Response;
    try {
      res = await doFetch(url, { method, ...(options.headers && { headers: options.headers }) });
    } catch (err) {
      throw new FolderError(url, `fetch failed: ${(err as Error).message}`, 'EIO', { cause: err });
    }
    if (res.status === 404) throw new FolderError(url, 'not found (HTTP 404)', 'ENOENT');
    if (!res.ok) throw new FolderError(url, `HTTP ${res.status} ${res.statusText}`.trim());
    return res;
  };
  return {
    location: root,
    pathOf,
    readBytes: async (name) => new Uint8Array(await (await get(name, 'GET')).arrayBuffer()),
    readText: async (name) => (await get(name, 'GET')).text(),
    exists: async (name) => {
      try {
        await get(name, 'HEAD');
        return true;
      } catch (err) {
        if (err instanceof FolderError && err.code === 'ENOENT') return false;
        throw err;
      }
    },
    list: async () => undefined,
  };
}

/**
 * The URL of a hub repo's files at a revision: `https://huggingface.co/<repo>/resolve/<revision>/`
 * (datasets under `/datasets/`). Give it to {@link urlFolder}.
 */
export function hubResolveUrl(
  repoId: string,
  options: { revision?: string; hubUrl?: string; repoType?: 'model' | 'dataset' } = {},
): string {
  const hub = (options.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const kind = options.repoType === 'dataset' ? 'datasets/' : '';
  return `${hub}/${kind}${repoId}/resolve/${encodeURIComponent(options.revision ?? 'main')}/`;
}

/** The parts of a web `File` used here (a `File` of `<input type=file webkitdirectory>` or a drop). */
export interface FileLike {
  readonly name: string;
  /** The path inside the chosen folder, `folder/sub/file` (set by `webkitdirectory` inputs). */
  readonly webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/**
 * The files a user picked or dropped (a `FileList` or array of `File`s). With `webkitdirectory`,
 * each file's `webkitRelativePath` is `chosen-folder/…`: the first part is dropped, so names are
 * relative to the chosen folder. Read-only.
 */
export function filesFolder(files: Iterable<FileLike> | ArrayLike<FileLike>, location = 'files:'): Folder {
  const list = Array.from(files as ArrayLike<FileLike>);
  const byName = new Map<string, FileLike>();
  for (const f of list) {
    const rel = f.webkitRelativePath ? f.webkitRelativePath.split('/').slice(1).join('/') : f.name;
    byName.set(joinNames(rel || f.name), f);
  }
  const { pathOf, find } = namedStore(location, (n) => byName.get(n), 'not among the chosen files');
  return {
    location,
    pathOf,
    readBytes: async (name) => new Uint8Array(await find(name).arrayBuffer()),
    readText: async (name) => find(name).text(),
    exists: async (name) => byName.has(joinNames(name)),
    list: async () => [...byName.keys()].filter((n) => !n.includes('/')).sort(),
  };
}

/** A writable folder in memory (names → bytes); `zipFolder` turns it into a zip to download. */
export interface MemoryFolder extends WritableFolder {
  /** The files, by name (all of them, sub-folders included). */
  readonly files: Map<string, Uint8Array>;
}

/** A folder held in memory: what a page saves an adapter into before zipping it. */
export function memoryFolder(location = 'memory:'): MemoryFolder {
  const files = new Map<string, Uint8Array>();
  const { pathOf, find } = namedStore(location, (n) => files.get(n), 'no such file');
  return {
    location,
    files,
    pathOf,
    readBytes: async (name) => find(name).slice(),
    readText: async (name) => utf8.decode(find(name)),
    exists: async (name) => files.has(joinNames(name)),
    list: async () => [...files.keys()].filter((n) => !n.includes('/')).sort(),
    write: async (name, data) => {
      files.set(joinNames(name), toBytes(data).slice());
    },
    remove: async (name) => {
      files.delete(joinNames(name));
    },
  };
}

/** The parts of the File System Access API (OPFS) used here: `navigator.storage.getDirectory()`. */
export interface DirectoryHandleLike {
  readonly kind: 'directory';
  readonly name: string;
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandleLike>;
  getFileHandle(
    name: string,
    options?: { create?: boolean },
  ): Promise<{
    getFile(): Promise<FileLike>;
    createWritable(options?: { keepExistingData?: boolean }): Promise<{
      write(data: Uint8Array): Promise<void>;
      close(): Promise<void>;
      abort?(): Promise<void>;
    }>;
  }>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

/**
 * A folder in the Origin Private File System (`await navigator.storage.getDirectory()`, or a
 * sub-folder of it). Writes go through `createWritable()`, which the browser commits atomically
 * when the stream is closed (an aborted write leaves the old file).
 */
export function opfsFolder(root: DirectoryHandleLike, location = `opfs:/${root.name}`): WritableFolder {
  const pathOf = (name: string) => `${location.replace(/\/$/, '')}/${joinNames(name)}`;
  const dirOf = async (parts: string[], create: boolean): Promise<DirectoryHandleLike> => {
    let dir = root;
    for (const p of parts) dir = await dir.getDirectoryHandle(p, { create });
    return dir;
  };
  const handleOf = async (name: string, create: boolean) => {
    const parts = joinNames(name).split('/');
    const file = parts.pop()!;
    try {
      return await (await dirOf(parts, create)).getFileHandle(file, { create });
    } catch (err) {
      const notFound = (err as Error).name === 'NotFoundError' || (err as Error).name === 'TypeMismatchError';
      throw new FolderError(pathOf(name), (err as Error).message, notFound ? 'ENOENT' : 'EIO', {
        cause: err,
      });
    }
  };
  return {
    location,
    pathOf,
    readBytes: async (name) =>
      new Uint8Array(await (await (await handleOf(name, false)).getFile()).arrayBuffer()),
    readText: async (name) => (await (await handleOf(name, false)).getFile()).text(),
    exists: async (name) => {
      try {
        await handleOf(name, false);
        return true;
      } catch {
        return false;
      }
    },
    list: async () => {
      const names: string[] = [];
      for await (const key of root.keys()) names.push(key);
      return names.sort();
    },
    write: async (name, data) => {
      const writable = await (await handleOf(name, true)).createWritable({ keepExistingData: false });
      try {
        await writable.write(toBytes(data));
      } catch (err) {
        await writable.abort?.();
        throw new FolderError(pathOf(name), (err as Error).message, 'EIO', { cause: err });
      }
      await writable.close();
    },
    remove: async (name) => {
      const parts = joinNames(name).split('/');
      const file = parts.pop()!;
      try {
        await (await dirOf(parts, false)).removeEntry(file);
      } catch (err) {
        if ((err as Error).name !== 'NotFoundError') throw err;
      }
    },
  };
}
