/**
 * A loopback HTTP server that serves repos in the Hugging Face hub's URL layout, enough for
 * `@huggingface/hub` (and Python's huggingface_hub) to download from it:
 *
 * - `GET /api/{models|datasets}/{repo}/revision/{rev}` → repo info with `sha`
 * - `GET /api/{models|datasets}/{repo}/tree/{rev}[/{path}]?recursive=…` → paginated listing (Link: rel="next")
 * - `POST /api/{models|datasets}/{repo}/paths-info/{rev}` → entries for the given paths
 * - `GET|HEAD /{repo}/resolve/{rev}/{path}`, `/datasets/{repo}/resolve/…` → content with X-Repo-Commit,
 *   ETag, X-Linked-Etag / X-Linked-Size for LFS files (redirected to `/cdn/{sha256}` as the hub
 *   redirects LFS downloads to its CDN), Range requests (206 + Content-Range)
 *
 * Unknown repos answer 404 with `X-Error-Code: RepoNotFound`, unknown revisions 404
 * `RevisionNotFound`, unknown files 404 `EntryNotFound`, like the hub.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCommit {
  sha: string;
  /** Branch and tag names pointing at this commit. */
  refs: string[];
  files: Record<string, Uint8Array>;
}

export interface FakeRepo {
  type: 'model' | 'dataset';
  id: string;
  commits: FakeCommit[];
  /** Requires `Authorization: Bearer <token>`. */
  token?: string;
  /** Files (by path) whose served content is corrupted (one byte flipped) — for verification tests. */
  corrupt?: string[];
  /** A hostile hub or mirror: lies in the metadata, faults in the transfer (set or clear at any time). */
  hostile?: HostileHub;
}

/** One file entry of a tree listing / paths-info answer, as the hub sends it. */
export interface FakeEntry {
  type: 'file';
  path: string;
  size: number;
  /** Git blob sha1 (of the LFS pointer for LFS files). */
  oid: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

/**
 * How a file's content goes wrong in transit:
 * - `body`: these bytes instead (with their own Content-Length);
 * - `truncateTo`: only the first n bytes, with a Content-Length of n (a consistent but short answer);
 * - `dropAfter`: Content-Length of the whole file, n bytes, then the connection is destroyed;
 * - `stallAfter`: Content-Length of the whole file, n bytes, then nothing until the hub stops.
 */
export type ContentFault =
  | { body: Uint8Array }
  | { truncateTo: number }
  | { dropAfter: number }
  | { stallAfter: number };

/** Hooks that make {@link FakeHub} answer as a hostile hub or `HF_ENDPOINT` mirror would. */
export interface HostileHub {
  /** The commit sha answered for every revision (instead of the commit's own). */
  sha?: string;
  /** Rewrites every file entry of tree listings and paths-info answers (oid, lfs.oid, path, size). */
  entry?: (entry: FakeEntry) => FakeEntry;
  /** The fault to apply when sending a file's content (undefined: send it as it is). */
  content?: (path: string) => ContentFault | undefined;
}

/** Files at least this big, or named *.safetensors, are stored as LFS (as the hub does). */
const LFS_MIN = 10 * 1024 * 1024;

export function gitBlobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export function sha256(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

function isLfs(path: string, content: Uint8Array): boolean {
  return content.length >= LFS_MIN || /\.(safetensors|bin|msgpack|h5)$/.test(path);
}

function lfsPointer(content: Uint8Array): Uint8Array {
  return Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\nsize ${content.length}\n`,
  );
}

function entry(path: string, content: Uint8Array): FakeEntry {
  if (isLfs(path, content)) {
    const pointer = lfsPointer(content);
    return {
      type: 'file',
      oid: gitBlobOid(pointer),
      size: content.length,
      path,
      lfs: { oid: sha256(content), size: content.length, pointerSize: pointer.length },
    };
  }
  return { type: 'file', oid: gitBlobOid(content), size: content.length, path };
}

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

export class FakeHub {
  readonly requests: RecordedRequest[] = [];
  readonly #repos: FakeRepo[];
  readonly #stalled = new Set<ServerResponse>();
  #server: Server | undefined;
  url = '';
  /** Page size of tree listings (small, to exercise pagination). */
  pageSize = 3;

  constructor(repos: FakeRepo[]) {
    this.#repos = repos;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#stalled) res.destroy();
    this.#stalled.clear();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** Moves a ref (branch) to another commit of a repo. */
  moveRef(repoId: string, ref: string, sha: string): void {
    const repo = this.#repos.find((r) => r.id === repoId)!;
    for (const c of repo.commits) c.refs = c.refs.filter((r) => r !== ref);
    repo.commits.find((c) => c.sha === sha)!.refs.push(ref);
  }

  #json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  #notFound(res: ServerResponse, code: string, message: string): void {
    this.#json(res, 404, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });
  }

  /** Finds repo and commit; answers the error itself and returns undefined when not found. */
  #lookup(req: IncomingMessage, res: ServerResponse, type: string, id: string, rev: string) {
    const repo = this.#repos.find((r) => r.type === type && r.id === id);
    const authorized = !repo?.token || req.headers.authorization === `Bearer ${repo.token}`;
    if (!repo || !authorized) {
      // The hub answers 401 "Repository not found" to anonymous requests for private repos.
      if (repo && !authorized) {
        this.#json(res, 401, { error: 'Invalid username or password.' }, { 'X-Error-Code': 'RepoNotFound' });
      } else this.#notFound(res, 'RepoNotFound', 'Repository not found');
      return undefined;
    }
    const commit =
      rev === 'HEAD'
        ? repo.commits.find((c) => c.refs.includes('main'))
        : repo.commits.find((c) => c.sha === rev || c.refs.includes(rev));
    if (!commit) {
      this.#notFound(res, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      return undefined;
    }
    return { repo, commit };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '',
      authorization: req.headers.authorization,
    });
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname; // segments stay encoded: a revision may be "refs%2Fpr%2F1"
    const dec = decodeURIComponent;

    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) {
      for (const repo of this.#repos) {
        for (const c of repo.commits) {
          for (const [p, content] of Object.entries(c.files)) {
            if (sha256(content) === cdn[1]) {
              return this.#sendContent(
                req,
                res,
                this.#served(repo, p, content),
                { ETag: `"${cdn[1]}"` },
                repo,
                p,
              );
            }
          }
        }
      }
      res.writeHead(404).end();
      return;
    }
    const info = /^\/api\/(models|datasets)\/([^/]+(?:\/[^/]+)?)\/revision\/([^/]+)$/.exec(path);
    if (info) {
      const found = this.#lookup(
        req,
        res,
        info[1] === 'models' ? 'model' : 'dataset',
        dec(info[2]!),
        dec(info[3]!),
      );
      if (!found) return;
      const { repo, commit } = found;
      this.#json(res, 200, {
        _id: `id-${repo.id}`,
        id: repo.id,
        private: !!repo.token,
        sha: repo.hostile?.sha ?? commit.sha,
        lastModified: '2024-01-01T00:00:00.000Z',
        downloads: 0,
        likes: 0,
        gated: false,
        siblings: Object.keys(commit.files).map((rfilename) => ({ rfilename })),
      });
      return;
    }
    const tree = /^\/api\/(models|datasets)\/([^/]+(?:\/[^/]+)?)\/tree\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (tree) {
      const found = this.#lookup(
        req,
        res,
        tree[1] === 'models' ? 'model' : 'dataset',
        dec(tree[2]!),
        dec(tree[3]!),
      );
      if (!found) return;
      const prefix = tree[4] ? `${dec(tree[4])}/` : '';
      const recursive = url.searchParams.get('recursive') === 'true';
      const all = this.#listing(found.commit.files, prefix, recursive).map((e) =>
        e.type === 'file' && found.repo.hostile?.entry ? found.repo.hostile.entry({ ...e }) : e,
      );
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const page = all.slice(cursor, cursor + this.pageSize);
      const headers: Record<string, string> = {};
      if (cursor + this.pageSize < all.length) {
        const next = new URL(url);
        next.searchParams.set('cursor', String(cursor + this.pageSize));
        headers.Link = `<${next.href}>; rel="next"`;
      }
      this.#json(res, 200, page, headers);
      return;
    }
    const paths = /^\/api\/(models|datasets)\/([^/]+(?:\/[^/]+)?)\/paths-info\/([^/]+)$/.exec(path);
    if (paths && req.method === 'POST') {
      const found = this.#lookup(
        req,
        res,
        paths[1] === 'models' ? 'model' : 'dataset',
        dec(paths[2]!),
        dec(paths[3]!),
      );
      if (!found) return;
      const body = JSON.parse(await readBody(req)) as { paths: string[] };
      const rewrite = found.repo.hostile?.entry ?? ((e: FakeEntry) => e);
      const out = body.paths
        .filter((p) => p in found.commit.files)
        .map((p) => rewrite(entry(p, found.commit.files[p]!)));
      this.#json(res, 200, out);
      return;
    }
    const resolve = /^\/(datasets\/)?([^/]+(?:\/[^/]+)?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve) {
      const found = this.#lookup(
        req,
        res,
        resolve[1] ? 'dataset' : 'model',
        dec(resolve[2]!),
        dec(resolve[3]!),
      );
      if (!found) return;
      const file = dec(resolve[4]!);
      const content = found.commit.files[file];
      if (!content) {
        this.#notFound(res, 'EntryNotFound', `${file} does not exist on "${dec(resolve[3]!)}"`);
        return;
      }
      const e = entry(file, content);
      const headers: Record<string, string> = { 'X-Repo-Commit': found.commit.sha, ETag: `"${e.oid}"` };
      if (e.lfs) {
        headers['X-Linked-Etag'] = `"${e.lfs.oid}"`;
        headers['X-Linked-Size'] = String(e.lfs.size);
        headers.ETag = `"${e.lfs.oid}"`;
        res.writeHead(302, { ...headers, Location: `${this.url}/cdn/${e.lfs.oid}`, 'Content-Length': '0' });
        res.end();
        return;
      }
      this.#sendContent(req, res, this.#served(found.repo, file, content), headers, found.repo, file);
      return;
    }
    this.#notFound(res, 'NotFound', `no route for ${req.method} ${path}`);
  }

  #served(repo: FakeRepo, path: string, content: Uint8Array): Uint8Array {
    if (!repo.corrupt?.includes(path)) return content;
    const bad = Uint8Array.from(content);
    bad[bad.length >> 1]! ^= 0xff;
    return bad;
  }

  #listing(files: Record<string, Uint8Array>, prefix: string, recursive: boolean) {
    const out: Array<FakeEntry | { type: 'directory'; oid: string; size: number; path: string }> = [];
    const dirs = new Set<string>();
    for (const [p, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const parts = rest.split('/');
      for (let i = 1; i < parts.length; i++) {
        const d = prefix + parts.slice(0, i).join('/');
        if (!dirs.has(d) && (recursive || i === 1)) {
          dirs.add(d);
          out.push({ type: 'directory', oid: gitBlobOid(Buffer.from(d)), size: 0, path: d });
        }
      }
      if (recursive || parts.length === 1) out.push(entry(p, content));
    }
    return out;
  }

  #sendContent(
    req: IncomingMessage,
    res: ServerResponse,
    content: Uint8Array,
    headers: Record<string, string>,
    repo?: FakeRepo,
    path?: string,
  ): void {
    const base = { ...headers, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    // The hub client asks for byte 0 alone first (file info); faults apply to the content request.
    const fault =
      path !== undefined && req.headers.range !== 'bytes=0-0' ? repo?.hostile?.content?.(path) : undefined;
    if (fault && 'body' in fault) content = fault.body;
    if (fault && 'truncateTo' in fault) content = content.subarray(0, fault.truncateTo);
    if (fault && ('dropAfter' in fault || 'stallAfter' in fault) && req.method !== 'HEAD') {
      const n = 'dropAfter' in fault ? fault.dropAfter : fault.stallAfter;
      res.writeHead(200, { ...base, 'Content-Length': String(content.length) });
      res.write(content.subarray(0, n), () => {
        if ('dropAfter' in fault) res.destroy();
      });
      if ('stallAfter' in fault) this.#stalled.add(res);
      return;
    }
    let body = content;
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      body = content.subarray(start, end + 1);
      res.writeHead(206, {
        ...base,
        'Content-Range': `bytes ${start}-${end}/${content.length}`,
        'Content-Length': String(body.length),
      });
    } else {
      res.writeHead(200, { ...base, 'Content-Length': String(body.length) });
    }
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
