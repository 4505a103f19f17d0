// The I/O boundary (src/folder.ts, src/zip.ts): every kind of Folder reads the same checkpoint as
// the folder on disk; zips are read back by Python's zipfile (an independent reader).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  crc32,
  filesFolder,
  hubResolveUrl,
  memoryFolder,
  nodeFolder,
  openCheckpoint,
  subFolder,
  unzipEntries,
  urlFolder,
  zipEntries,
  zipFolder,
} from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/gpt2-tiny/', import.meta.url));

let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const name = decodeURIComponent((req.url ?? '/').replace(/^\/repo\//, ''));
    try {
      const body = await readFile(join(FIXTURE, name));
      res.writeHead(200);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}/repo/`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('folders', () => {
  it('a URL folder, dropped files and a memory folder open the checkpoint the disk folder holds', async () => {
    const disk = await openCheckpoint(FIXTURE);
    const files = await Promise.all(
      (await readdir(FIXTURE)).map(
        async (n) =>
          new File([await readFile(join(FIXTURE, n))], n, { type: '' }) as File & {
            webkitRelativePath?: string;
          },
      ),
    );
    const memory = memoryFolder();
    for (const n of await readdir(FIXTURE)) await memory.write(n, await readFile(join(FIXTURE, n)));
    for (const folder of [urlFolder(base), filesFolder(files), memory]) {
      const ck = await openCheckpoint(folder);
      expect(ck.names()).toEqual(disk.names());
      for (const name of disk.names()) {
        expect(Buffer.from(ck.getBytes(name)).equals(Buffer.from(disk.getBytes(name))), name).toBe(true);
      }
    }
  });

  it('says which file is missing, with code ENOENT, for every kind', async () => {
    for (const folder of [urlFolder(base), filesFolder([]), memoryFolder('memory:x'), nodeFolder(FIXTURE)]) {
      await expect(folder.readText('nope.json')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(folder.readText('nope.json')).rejects.toThrow(/nope\.json/);
      expect(await folder.exists('nope.json')).toBe(false);
    }
    await expect(openCheckpoint(urlFolder(`${base}missing/`))).rejects.toThrow(
      /no model\.safetensors or model\.safetensors\.index\.json/,
    );
  });

  it('dropped folders (webkitRelativePath) are read relative to the chosen folder', async () => {
    const f = new File(['{"a":1}'], 'config.json');
    Object.defineProperty(f, 'webkitRelativePath', { value: 'my-model/config.json' });
    const folder = filesFolder([f]);
    expect(JSON.parse(await folder.readText('config.json'))).toEqual({ a: 1 });
    expect(await folder.list()).toEqual(['config.json']);
  });

  it('sub-folders and names with .. (refused)', async () => {
    const m = memoryFolder();
    await subFolder(m, 'other').write('adapter_config.json', '{}');
    expect([...m.files.keys()]).toEqual(['other/adapter_config.json']);
    await expect(m.write('../x', 'y')).rejects.toThrow(/may not contain/);
  });

  it("hub resolve URLs are the hub's", () => {
    expect(hubResolveUrl('gpt2')).toBe('https://huggingface.co/gpt2/resolve/main/');
    expect(
      hubResolveUrl('org/data', { repoType: 'dataset', revision: 'refs/pr/1', hubUrl: 'http://h/' }),
    ).toBe('http://h/datasets/org/data/resolve/refs%2Fpr%2F1/');
  });

  it('a disk folder writes atomically and removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gptft-folder-'));
    try {
      const f = nodeFolder(dir);
      await f.write('a/b.txt', 'hi');
      expect(await f.readText('a/b.txt')).toBe('hi');
      await f.remove('a/b.txt');
      await f.remove('a/b.txt');
      expect(await f.exists('a/b.txt')).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('zip', () => {
  it('CRC-32 of the standard check string is 0xCBF43926', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it("Python's zipfile reads what zipFolder writes (names, bytes, CRCs)", async () => {
    const m = memoryFolder();
    await m.write('adapter_config.json', '{"r": 4}\n');
    await m.write('sub/adapter_model.safetensors', new Uint8Array([0, 1, 2, 250, 255]));
    const zip = new Uint8Array(await zipFolder(m).arrayBuffer());
    const dir = await mkdtemp(join(tmpdir(), 'gptft-zip-'));
    try {
      await writeFile(join(dir, 'a.zip'), zip);
      const out = execFileSync('/usr/bin/python3', [
        '-c',
        'import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps({i.filename: list(z.read(i)) for i in z.infolist()}))',
        join(dir, 'a.zip'),
      ]).toString();
      expect(JSON.parse(out)).toEqual({
        'adapter_config.json': [...new TextEncoder().encode('{"r": 4}\n')],
        'sub/adapter_model.safetensors': [0, 1, 2, 250, 255],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(unzipEntries(zip).map((e) => e.name)).toEqual([
      'adapter_config.json',
      'sub/adapter_model.safetensors',
    ]);
  });

  it('refuses duplicate names and a corrupted entry', () => {
    expect(() =>
      zipEntries([
        { name: 'a', data: new Uint8Array(1) },
        { name: 'a', data: new Uint8Array(1) },
      ]),
    ).toThrow(/duplicate/);
    const zip = zipEntries([{ name: 'a', data: new Uint8Array([1, 2, 3]) }]);
    zip[31] ^= 0xff; // a data byte (30-byte header + 1-byte name)
    expect(() => unzipEntries(zip)).toThrow(/CRC-32/);
  });
});
