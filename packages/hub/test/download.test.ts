import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanCacheDir } from '@huggingface/hub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultCacheDir,
  downloadFile,
  HubError,
  openCheckpoint,
  resolvePretrained,
  serializeSafetensors,
} from '../src/index.js';
import { FakeHub, type FakeRepo } from '../src/testing/hub-server.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const SHA_DS = 'd'.repeat(40);

async function folderFiles(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const name of await readdir(dir)) out[name] = await readFile(join(dir, name));
  return out;
}

/** The independent git implementation's blob id for some content. */
function gitHashObject(content: Uint8Array): string {
  return execFileSync('git', ['hash-object', '--stdin'], { input: content }).toString().trim();
}

function sha256sum(path: string): string {
  return execFileSync('sha256sum', [path]).toString().split(' ')[0]!;
}

let hub: FakeHub;
let cacheDir: string;
let modelFiles: Record<string, Uint8Array>;

beforeAll(async () => {
  modelFiles = await folderFiles(join(fixtures, 'gpt2-tiny-hub-f16'));
  const extra = {
    'pytorch_model.bin': Buffer.from('not really a pickle, and must never be downloaded'),
    'README.md': Buffer.from('# gpt2-tiny\n'),
    'onnx/decoder.onnx': Buffer.from('onnx bytes'),
  };
  const corruptContent = await readFile(join(fixtures, 'lora', 'adapter_model.safetensors'));
  const configB = JSON.parse(Buffer.from(modelFiles['config.json']!).toString());
  configB.summary_type = 'cls_index_changed_in_b';
  const repos: FakeRepo[] = [
    {
      type: 'model',
      id: 'gptft-test/gpt2-tiny',
      commits: [
        { sha: SHA_A, refs: ['v1'], files: { ...modelFiles, ...extra } },
        {
          sha: SHA_B,
          refs: ['main'],
          files: { ...modelFiles, ...extra, 'config.json': Buffer.from(JSON.stringify(configB, null, 2)) },
        },
      ],
    },
    {
      type: 'dataset',
      id: 'gptft-test/tiny-chat',
      commits: [
        {
          sha: SHA_DS,
          refs: ['main'],
          files: {
            'README.md': Buffer.from('---\nlicense: mit\n---\n'),
            'data/train.jsonl': Buffer.from('{"text": "hello"}\n{"text": "world"}\n'),
            'data/test.jsonl': Buffer.from('{"text": "bye"}\n'),
            'data/extra.csv': Buffer.from('text,label\nhi,1\n'),
          },
        },
      ],
    },
    {
      type: 'model',
      id: 'gptft-test/pickle-only',
      commits: [
        {
          sha: 'f'.repeat(40),
          refs: ['main'],
          files: { 'config.json': Buffer.from('{}'), 'pytorch_model.bin': Buffer.from('pickle bytes') },
        },
        {
          sha: '1'.repeat(40),
          refs: ['refs/pr/1'],
          files: {
            'config.json': Buffer.from('{}'),
            'model.safetensors': Buffer.from(serializeSafetensors({})),
          },
        },
      ],
    },
    {
      type: 'model',
      id: 'gptft-test/private',
      token: 'hf_secret',
      commits: [{ sha: 'c'.repeat(40), refs: ['main'], files: { 'config.json': Buffer.from('{}') } }],
    },
    {
      type: 'model',
      id: 'gptft-test/corrupt',
      corrupt: ['model.safetensors'],
      // Distinct content from the other repos' (the CDN route finds blobs by sha256).
      commits: [{ sha: 'e'.repeat(40), refs: ['main'], files: { 'model.safetensors': corruptContent } }],
    },
  ];
  hub = await new FakeHub(repos).start();
});

afterAll(async () => {
  await hub.stop();
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'gptft-hub-cache-'));
  hub.requests.length = 0;
  delete process.env.HF_HUB_OFFLINE;
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
  delete process.env.HF_HUB_OFFLINE;
});

describe('resolvePretrained (model repo over loopback HTTP)', () => {
  it('downloads the needed files into the exact HF cache layout', async () => {
    const snap = await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url });
    const storage = join(cacheDir, 'models--gptft-test--gpt2-tiny');
    expect(snap).toBe(join(storage, 'snapshots', SHA_B));
    // refs/main holds the commit, no newline (as Python writes it).
    expect(await readFile(join(storage, 'refs', 'main'), 'utf8')).toBe(SHA_B);
    // Only configs, tokenizer files and safetensors: no pickle, no README, no onnx.
    expect((await readdir(snap)).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'merges.txt',
      'model.safetensors',
      'tokenizer_config.json',
      'vocab.json',
    ]);
    for (const name of await readdir(snap)) {
      const pointer = join(snap, name);
      expect((await lstat(pointer)).isSymbolicLink()).toBe(true);
      const target = await readlink(pointer);
      expect(target.startsWith('../../blobs/')).toBe(true);
      const etag = target.slice('../../blobs/'.length);
      const content = await readFile(pointer);
      if (name === 'model.safetensors') {
        // LFS file: blob named by the sha256 of its content (sha256sum as the reference).
        expect(etag).toBe(sha256sum(join(storage, 'blobs', etag)));
        expect(Buffer.compare(content, Buffer.from(modelFiles[name]!))).toBe(0);
      } else {
        // Regular file: blob named by its git blob id (git hash-object as the reference).
        expect(etag).toBe(gitHashObject(content));
      }
    }
    // No temporary files left in blobs/.
    expect(
      (await readdir(join(storage, 'blobs'))).every((b) => /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(b)),
    ).toBe(true);
    // The hub client's own cache scanner understands what we wrote.
    const scan = await scanCacheDir(cacheDir);
    expect(scan.warnings).toEqual([]);
    const repo = scan.repos.find((r) => r.id.name === 'gptft-test/gpt2-tiny')!;
    expect(repo.id.type).toBe('model');
    expect(repo.revisions.map((r) => [r.commitOid, r.refs])).toEqual([[SHA_B, ['main']]]);
    // And the snapshot is a loadable checkpoint.
    const ckpt = await openCheckpoint(snap);
    expect(ckpt.shape('wte.weight')).toEqual([50257, 64]);
  });

  it('serves a second call from the cache without any HTTP request', async () => {
    const first = await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url });
    expect(hub.requests.length).toBeGreaterThan(0);
    hub.requests.length = 0;
    const second = await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url });
    expect(second).toBe(first);
    expect(hub.requests).toEqual([]);
    // A narrower pattern set is also served from the cache.
    await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url, allowPatterns: ['*.json'] });
    expect(hub.requests).toEqual([]);
    // A wider one downloads only what is missing: README.md (the tree listing is asked again).
    await resolvePretrained('gptft-test/gpt2-tiny', {
      cacheDir,
      hubUrl: hub.url,
      allowPatterns: ['*.json', '*.md'],
    });
    const downloads = hub.requests.filter((r) => r.url.includes('/resolve/') || r.url.startsWith('/cdn/'));
    expect(downloads.every((r) => r.url.endsWith('/README.md'))).toBe(true);
    expect(downloads.length).toBeGreaterThan(0);
  });

  it('works offline from the cache, and says clearly when the cache lacks the repo', async () => {
    await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url });
    hub.requests.length = 0;
    process.env.HF_HUB_OFFLINE = '1';
    const snap = await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url });
    expect(snap.endsWith(SHA_B)).toBe(true);
    const err = await resolvePretrained('gptft-test/gpt2-tiny', {
      cacheDir,
      hubUrl: hub.url,
      revision: 'v1',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err.message).toMatch(/gptft-test\/gpt2-tiny.*revision "v1".*not in the cache.*HF_HUB_OFFLINE/s);
    delete process.env.HF_HUB_OFFLINE;
    const empty = await mkdtemp(join(tmpdir(), 'gptft-empty-cache-'));
    try {
      const err2 = await resolvePretrained('gptft-test/gpt2-tiny', {
        cacheDir: empty,
        hubUrl: hub.url,
        localFilesOnly: true,
      }).catch((e) => e);
      expect(err2).toBeInstanceOf(HubError);
      expect(err2.message).toMatch(/not in the cache.*localFilesOnly/s);
      const err3 = await downloadFile('gptft-test/gpt2-tiny', 'config.json', {
        cacheDir: empty,
        hubUrl: hub.url,
        localFilesOnly: true,
      }).catch((e) => e);
      expect(err3.message).toMatch(/not in the cache/);
    } finally {
      await rm(empty, { recursive: true });
    }
    expect(hub.requests).toEqual([]);
  });

  it('gives a clear error for a repo or revision that does not exist, or an unreachable hub', async () => {
    const err = await resolvePretrained('gptft-test/nope', { cacheDir, hubUrl: hub.url }).catch((e) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/model "gptft-test\/nope".*not found.*HTTP 404/s);
    const rev = await resolvePretrained('gptft-test/gpt2-tiny', {
      cacheDir,
      hubUrl: hub.url,
      revision: 'v9',
    }).catch((e) => e);
    expect(rev.message).toMatch(/revision "v9".*Invalid rev id: v9/s);
    const down = await resolvePretrained('gptft-test/gpt2-tiny', {
      cacheDir,
      hubUrl: 'http://127.0.0.1:9',
    }).catch((e) => e);
    expect(down.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9.*HF_HUB_OFFLINE/s);
    const bad = await resolvePretrained('./no/such/folder', { cacheDir }).catch((e) => e);
    expect(bad.message).toMatch(/no such folder/);
    // Nothing half-made under the final names.
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('pins revisions: a tag, a commit sha, and a moved branch', async () => {
    const v1 = await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url, revision: 'v1' });
    const storage = join(cacheDir, 'models--gptft-test--gpt2-tiny');
    expect(v1).toBe(join(storage, 'snapshots', SHA_A));
    expect(await readFile(join(storage, 'refs', 'v1'), 'utf8')).toBe(SHA_A);
    const configA = JSON.parse(await readFile(join(v1, 'config.json'), 'utf8'));
    expect(configA.summary_type).not.toBe('cls_index_changed_in_b');

    const main = await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url });
    expect(JSON.parse(await readFile(join(main, 'config.json'), 'utf8')).summary_type).toBe(
      'cls_index_changed_in_b',
    );
    // The weights blob is shared by both snapshots and was downloaded once.
    expect(await readlink(join(v1, 'model.safetensors'))).toBe(
      await readlink(join(main, 'model.safetensors')),
    );
    expect(
      hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.method === 'GET').length,
    ).toBeGreaterThan(0);

    hub.requests.length = 0;
    const bySha = await resolvePretrained('gptft-test/gpt2-tiny', {
      cacheDir,
      hubUrl: hub.url,
      revision: SHA_A,
    });
    expect(bySha).toBe(v1);
    expect(hub.requests).toEqual([]);

    // main moves back to A: the cache still answers B until asked to check.
    hub.moveRef('gptft-test/gpt2-tiny', 'main', SHA_A);
    try {
      expect(await resolvePretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url })).toBe(main);
      const checked = await resolvePretrained('gptft-test/gpt2-tiny', {
        cacheDir,
        hubUrl: hub.url,
        forceCheck: true,
      });
      expect(checked).toBe(v1);
      expect(await readFile(join(storage, 'refs', 'main'), 'utf8')).toBe(SHA_A);
    } finally {
      hub.moveRef('gptft-test/gpt2-tiny', 'main', SHA_B);
    }
  });

  it('verifies downloads: corrupt content leaves nothing in the cache', async () => {
    const err = await resolvePretrained('gptft-test/corrupt', { cacheDir, hubUrl: hub.url }).catch((e) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err.message).toMatch(/"model\.safetensors" is corrupt: sha256/);
    const storage = join(cacheDir, 'models--gptft-test--corrupt');
    expect(await readdir(join(storage, 'blobs'))).toEqual([]);
    expect(await readdir(join(storage, 'snapshots', 'e'.repeat(40))).catch(() => [])).toEqual([]);
  });

  it('refuses pickle-only model repos before downloading, and takes a PR ref as revision', async () => {
    const err = await resolvePretrained('gptft-test/pickle-only', { cacheDir, hubUrl: hub.url }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(HubError);
    expect(err.message).toMatch(
      /no safetensors weights, only pytorch_model\.bin.*arbitrary code.*refs\/pr\/1/s,
    );
    expect(hub.requests.some((r) => r.url.includes('/resolve/'))).toBe(false);
    const snap = await resolvePretrained('gptft-test/pickle-only', {
      cacheDir,
      hubUrl: hub.url,
      revision: 'refs/pr/1',
    });
    expect(snap.endsWith('1'.repeat(40))).toBe(true);
    const storage = join(cacheDir, 'models--gptft-test--pickle-only');
    expect(await readFile(join(storage, 'refs', 'refs', 'pr', '1'), 'utf8')).toBe('1'.repeat(40));
    expect((await openCheckpoint(snap)).names()).toEqual([]);
    // Asked explicitly, other files of the repo can still be fetched.
    const cfg = await resolvePretrained('gptft-test/pickle-only', {
      cacheDir,
      hubUrl: hub.url,
      allowPatterns: ['*.json'],
    });
    expect(await readdir(cfg)).toEqual(['config.json']);
  });

  it('sends the access token for private repos', async () => {
    const err = await resolvePretrained('gptft-test/private', { cacheDir, hubUrl: hub.url }).catch((e) => e);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/accessToken.*HF_TOKEN/);
    const snap = await resolvePretrained('gptft-test/private', {
      cacheDir,
      hubUrl: hub.url,
      accessToken: 'hf_secret',
    });
    expect(await readFile(join(snap, 'config.json'), 'utf8')).toBe('{}');
  });

  it('returns an existing local folder as is, without HTTP', async () => {
    const local = join(fixtures, 'gpt2-tiny');
    expect(await resolvePretrained(local, { hubUrl: hub.url })).toBe(local.replace(/\/$/, ''));
    expect(hub.requests).toEqual([]);
  });

  it('uses HF_ENDPOINT and HF_HUB_CACHE by default', async () => {
    const saved = { ...process.env };
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_HUB_CACHE = cacheDir;
    try {
      expect(defaultCacheDir()).toBe(cacheDir);
      const path = await downloadFile('gptft-test/gpt2-tiny', 'config.json');
      expect(path).toBe(join(cacheDir, 'models--gptft-test--gpt2-tiny', 'snapshots', SHA_B, 'config.json'));
    } finally {
      process.env.HF_ENDPOINT = saved.HF_ENDPOINT;
      process.env.HF_HUB_CACHE = saved.HF_HUB_CACHE;
      if (saved.HF_ENDPOINT === undefined) delete process.env.HF_ENDPOINT;
      if (saved.HF_HUB_CACHE === undefined) delete process.env.HF_HUB_CACHE;
    }
    delete process.env.HF_HUB_CACHE;
    delete process.env.HF_HOME;
    process.env.XDG_CACHE_HOME = '/x';
    expect(defaultCacheDir()).toBe('/x/huggingface/hub');
    process.env.HF_HOME = '/h';
    expect(defaultCacheDir()).toBe('/h/hub');
    for (const k of ['HF_HOME', 'XDG_CACHE_HOME', 'HF_HUB_CACHE', 'HF_ENDPOINT']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
});

describe('downloadFile', () => {
  it('downloads one file into the cache, then serves it without HTTP', async () => {
    const path = await downloadFile('gptft-test/gpt2-tiny', 'model.safetensors', {
      cacheDir,
      hubUrl: hub.url,
    });
    expect(path).toBe(
      join(cacheDir, 'models--gptft-test--gpt2-tiny', 'snapshots', SHA_B, 'model.safetensors'),
    );
    expect(Buffer.compare(await readFile(path), Buffer.from(modelFiles['model.safetensors']!))).toBe(0);
    hub.requests.length = 0;
    expect(
      await downloadFile('gptft-test/gpt2-tiny', 'model.safetensors', { cacheDir, hubUrl: hub.url }),
    ).toBe(path);
    expect(hub.requests).toEqual([]);
    const missing = await downloadFile('gptft-test/gpt2-tiny', 'nope.json', {
      cacheDir,
      hubUrl: hub.url,
    }).catch((e) => e);
    expect(missing.message).toMatch(/has no file "nope.json"/);
    await expect(
      downloadFile('gptft-test/gpt2-tiny', '../evil', { cacheDir, hubUrl: hub.url }),
    ).rejects.toThrow(/plain relative path/);
  });
});

describe('dataset repos', () => {
  it('downloads a dataset repo (nested files) into datasets--org--name', async () => {
    const snap = await resolvePretrained('gptft-test/tiny-chat', {
      cacheDir,
      hubUrl: hub.url,
      repoType: 'dataset',
      allowPatterns: ['*.jsonl'],
    });
    const storage = join(cacheDir, 'datasets--gptft-test--tiny-chat');
    expect(snap).toBe(join(storage, 'snapshots', SHA_DS));
    expect((await readdir(join(snap, 'data'))).sort()).toEqual(['test.jsonl', 'train.jsonl']);
    expect(await readlink(join(snap, 'data', 'train.jsonl'))).toMatch(
      /^\.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/,
    );
    expect(await readFile(join(snap, 'data', 'train.jsonl'), 'utf8')).toBe(
      '{"text": "hello"}\n{"text": "world"}\n',
    );
    expect(await readFile(join(storage, 'refs', 'main'), 'utf8')).toBe(SHA_DS);
    expect(hub.requests.some((r) => r.url.startsWith('/datasets/gptft-test/tiny-chat/resolve/'))).toBe(true);
    expect(hub.requests.some((r) => r.url.startsWith('/api/datasets/gptft-test/tiny-chat/tree/'))).toBe(true);
    // "datasets/org/name" is accepted too, and a single file can be fetched.
    const csv = await downloadFile('datasets/gptft-test/tiny-chat', 'data/extra.csv', {
      cacheDir,
      hubUrl: hub.url,
    });
    expect(await readFile(csv, 'utf8')).toBe('text,label\nhi,1\n');
    const scan = await scanCacheDir(cacheDir);
    expect(scan.warnings).toEqual([]);
    expect(scan.repos[0]!.id).toEqual({ name: 'gptft-test/tiny-chat', type: 'dataset' });
  });
});
