// A hostile hub (or HF_ENDPOINT mirror) over real loopback HTTP: path-traversal names in every field
// that becomes a path, wrong hashes, short bodies, dropped and stalled connections, a download
// killed with SIGKILL. Whatever it answers, nothing may be written outside the cache folder, no bad
// file may be accepted into it, and a rerun against an honest hub completes.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, HubError, resolvePretrained, serializeSafetensors } from '../src/index.js';
import {
  type FakeEntry,
  FakeHub,
  type FakeRepo,
  gitBlobOid,
  type HostileHub,
} from '../src/testing/hub-server.js';

const REPO = 'evil/model';
const SHA = '7'.repeat(40);
const files: Record<string, Uint8Array> = {
  'config.json': Buffer.from('{"model_type": "gpt2", "n_layer": 1}\n'),
  'tokenizer_config.json': Buffer.from('{"model_max_length": 64}\n'),
  'model.safetensors': serializeSafetensors({
    'wte.weight': { dtype: 'F32', shape: [64, 8], data: new Float32Array(512).map((_, i) => i / 7) },
  }),
};
const repo: FakeRepo = { type: 'model', id: REPO, commits: [{ sha: SHA, refs: ['main'], files }] };

let hub: FakeHub;
let root: string; // holds the cache and nothing else: anything else in it escaped the cache
let cacheDir: string;

beforeAll(async () => {
  hub = await new FakeHub([repo]).start();
});
afterAll(async () => {
  await hub.stop();
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gptft-hostile-'));
  cacheDir = join(root, 'cache');
  repo.hostile = undefined;
});
afterEach(async () => {
  repo.hostile = undefined;
  await rm(root, { recursive: true, force: true });
});

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

/** Everything under the temporary root that is not inside the cache folder. */
async function outsideCache(): Promise<string[]> {
  return (await walk(root)).filter((p) => p !== cacheDir && !p.startsWith(`${cacheDir}/`));
}

/** Blobs that are not a finished file named by its sha1/sha256 (temporaries, escaped names). */
async function badBlobs(): Promise<string[]> {
  const blobs = join(cacheDir, 'models--evil--model', 'blobs');
  return (await readdir(blobs).catch(() => [] as string[])).filter(
    (b) => !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(b),
  );
}

function flipped(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[out.length >> 1]! ^= 0xff;
  return out;
}

const onPath =
  (path: string, change: (e: FakeEntry) => FakeEntry) =>
  (e: FakeEntry): FakeEntry =>
    e.path === path ? change(e) : e;

const lfsOid = (oid: string) => onPath('model.safetensors', (e) => ({ ...e, lfs: { ...e.lfs!, oid } }));
const gitOid = (oid: string) => onPath('config.json', (e) => ({ ...e, oid }));
const path = (p: string) => onPath('config.json', (e) => ({ ...e, path: p }));
const weights = files['model.safetensors']!;

const cases: Array<[string, HostileHub, RegExp]> = [
  [
    'an LFS oid with ../',
    { entry: lfsOid('../../../escape-lfs') },
    /"model\.safetensors".*LFS oid "\.\.\/\.\.\/\.\.\/escape-lfs".*sha256/,
  ],
  ['an absolute LFS oid', { entry: lfsOid(`/${'a'.repeat(63)}`) }, /LFS oid.*not a sha256/],
  [
    'a git oid with ../',
    { entry: gitOid('../../../escape-git') },
    /"config\.json".*oid "\.\.\/\.\.\/\.\.\/escape-git".*sha1/,
  ],
  ['an upper-case git oid', { entry: gitOid('A'.repeat(40)) }, /oid "A{40}"/],
  [
    'a file name with ../',
    { entry: path('../../../escape-path') },
    /refusing repo file path "\.\.\/\.\.\/\.\.\/escape-path"/,
  ],
  ['an absolute file name', { entry: path('/tmp/gptft-escape-abs') }, /refusing repo file path/],
  ['a file name with backslashes', { entry: path('..\\..\\..\\escape-bs') }, /refusing repo file path/],
  ['a file name with a . segment', { entry: path('./config.json') }, /refusing repo file path/],
  ['a file name with a NUL byte', { entry: path('config\0.json') }, /refusing repo file path/],
  ['a resolved revision with ../', { sha: '../../../escape-rev' }, /no commit sha for revision "main"/],
  [
    'a negative size',
    { entry: onPath('config.json', (e) => ({ ...e, size: -5 })) },
    /"config\.json".*size -5/,
  ],
  [
    'a wrong git blob sha1 (non-LFS file changed, same size)',
    { content: (p) => (p === 'config.json' ? { body: flipped(files['config.json']!) } : undefined) },
    /"config\.json" is corrupt: git blob sha1 [0-9a-f]{40}, expected [0-9a-f]{40}/,
  ],
  [
    'a wrong sha256 (LFS file changed, same size)',
    { content: (p) => (p === 'model.safetensors' ? { body: flipped(weights) } : undefined) },
    /"model\.safetensors" is corrupt: sha256/,
  ],
  [
    'a truncated body',
    { content: (p) => (p === 'model.safetensors' ? { truncateTo: 100 } : undefined) },
    new RegExp(`"model\\.safetensors" was incomplete: got 100 bytes, expected ${weights.length}`),
  ],
  [
    'a connection dropped mid-file',
    { content: (p) => (p === 'model.safetensors' ? { dropAfter: 1000 } : undefined) },
    new RegExp(`"model\\.safetensors".*after 1000 of ${weights.length} bytes`),
  ],
  [
    'a body longer than the file',
    {
      content: (p) =>
        p === 'model.safetensors' ? { body: Buffer.concat([weights, Buffer.alloc(1 << 20)]) } : undefined,
    },
    new RegExp(`"model\\.safetensors" is longer than the ${weights.length} bytes the hub listed`),
  ],
];

describe('a hostile hub cannot write outside the cache, nor get a bad file accepted', () => {
  for (const [what, hostile, message] of cases) {
    it(`${what}: refused, nothing outside the cache, a rerun completes`, async () => {
      repo.hostile = hostile;
      const err = await resolvePretrained(REPO, { cacheDir, hubUrl: hub.url }).catch((e) => e);
      expect(err).toBeInstanceOf(HubError);
      expect(err.message).toMatch(message);
      expect(err.message).toContain(REPO);
      expect(await outsideCache()).toEqual([]);
      expect(await badBlobs()).toEqual([]);

      repo.hostile = undefined;
      const snap = await resolvePretrained(REPO, { cacheDir, hubUrl: hub.url });
      for (const [name, content] of Object.entries(files)) {
        expect(Buffer.compare(await readFile(join(snap, name)), Buffer.from(content))).toBe(0);
      }
      expect(await outsideCache()).toEqual([]);
      expect(await badBlobs()).toEqual([]);
    });
  }

  it('downloadFile refuses the same lies (oids, sizes, content)', async () => {
    for (const [hostile, file, message] of [
      [{ entry: gitOid('../../../escape-one') }, 'config.json', /oid "\.\.\/\.\.\/\.\.\/escape-one"/],
      [{ entry: lfsOid('../../../escape-one') }, 'model.safetensors', /LFS oid/],
      [
        { content: () => ({ body: flipped(files['config.json']!) }) },
        'config.json',
        /is corrupt: git blob sha1/,
      ],
    ] as const) {
      repo.hostile = hostile as HostileHub;
      const err = await downloadFile(REPO, file, { cacheDir, hubUrl: hub.url }).catch((e) => e);
      expect(err).toBeInstanceOf(HubError);
      expect(err.message).toMatch(message);
      expect(await outsideCache()).toEqual([]);
      expect(await badBlobs()).toEqual([]);
    }
    repo.hostile = undefined;
    const path = await downloadFile(REPO, 'config.json', { cacheDir, hubUrl: hub.url });
    expect(await readFile(path, 'utf8')).toBe(Buffer.from(files['config.json']!).toString());
  });

  it('refuses a revision that would be a path outside refs/, before any request', async () => {
    hub.requests.length = 0;
    for (const revision of ['../../../escape-ref', '/abs', 'a//b', 'refs/../../x', '.', 'x\0y']) {
      const err = await resolvePretrained(REPO, { cacheDir, hubUrl: hub.url, revision }).catch((e) => e);
      expect(err).toBeInstanceOf(HubError);
      expect(err.message).toMatch(/invalid revision/);
    }
    expect(hub.requests).toEqual([]);
    expect(await outsideCache()).toEqual([]);
    // What the hub itself accepts still works: a branch, a PR ref, a commit sha.
    expect(await resolvePretrained(REPO, { cacheDir, hubUrl: hub.url, revision: SHA })).toMatch(/7{40}$/);
  });
});

describe('a download killed mid-file (SIGKILL)', { timeout: 600_000 }, () => {
  it('leaves no half blob under a final name; the rerun removes the leftover and completes', async () => {
    repo.hostile = { content: (p) => (p === 'model.safetensors' ? { stallAfter: 1500 } : undefined) };
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `import { resolvePretrained } from ${JSON.stringify(entry)};
      await resolvePretrained(${JSON.stringify(REPO)}, { cacheDir: ${JSON.stringify(cacheDir)}, hubUrl: ${JSON.stringify(hub.url)} });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const blobs = join(cacheDir, 'models--evil--model', 'blobs');
    // Wait until the stalled download has written its first bytes to its temporary file.
    let partial: string | undefined;
    for (let i = 0; i < 3000 && partial === undefined; i++) {
      for (const b of await readdir(blobs).catch(() => [] as string[])) {
        // (config.json's temporary file may be renamed between readdir and stat)
        const size = b.includes('.incomplete')
          ? (await stat(join(blobs, b)).catch(() => undefined))?.size
          : 0;
        if (size !== undefined && size >= 1500) partial = b;
      }
      if (partial === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(partial).toBeDefined();
    child.kill('SIGKILL');
    await exited;
    // A leftover from a killed process, as Python's huggingface_hub or gptft may leave it.
    expect(await badBlobs()).toEqual([partial]);
    // config.json, listed before the weights, is in; nothing else is.
    expect((await readdir(blobs)).filter((b) => !b.includes('.incomplete'))).toEqual([
      gitBlobOid(files['config.json']!),
    ]);

    repo.hostile = undefined;
    const snap = await resolvePretrained(REPO, { cacheDir, hubUrl: hub.url });
    expect(Buffer.compare(await readFile(join(snap, 'model.safetensors')), Buffer.from(weights))).toBe(0);
    expect(await badBlobs()).toEqual([]);
    expect(await outsideCache()).toEqual([]);
  });

  it("keeps another live process's download in progress", async () => {
    const blobs = join(cacheDir, 'models--evil--model', 'blobs');
    await mkdir(blobs, { recursive: true });
    // process.ppid is alive (the test runner): its download of the same blob must not lose its file.
    const live = `${gitBlobOid(files['config.json']!)}.incomplete-${process.ppid}-0123abcd`;
    await writeFile(join(blobs, live), 'partial');
    const snap = await resolvePretrained(REPO, { cacheDir, hubUrl: hub.url });
    expect(await readFile(join(snap, 'config.json'))).toEqual(Buffer.from(files['config.json']!));
    expect(await badBlobs()).toEqual([live]);
  });
});
