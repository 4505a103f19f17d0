// A model.safetensors that is there but is not a file is said to be what it is (issue 16 §9), not
// "no model.safetensors (it holds: model.safetensors)".
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, openCheckpoint } from '../src/index.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gptft-entries-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function folderWith(name: string, make: (path: string) => Promise<unknown>): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), '{}');
  await make(join(dir, 'model.safetensors'));
  return dir;
}

describe('a weights entry that is not a file', () => {
  const cases: Array<[string, (p: string) => Promise<unknown>, RegExp]> = [
    ['a folder', (p) => mkdir(p), /model\.safetensors: is a folder, not a file$/],
    [
      'a dangling symlink (hub cache, blob gone)',
      (p) => symlink('../../blobs/abc', p),
      /model\.safetensors: is a symbolic link to \.\.\/\.\.\/blobs\/abc \(.*\/blobs\/abc\), which does not exist/,
    ],
    ['a symlink to a folder', (p) => symlink(tmp, p), /is a symbolic link to a folder, .*, not to a file$/],
    [
      'a named pipe',
      async (p) => execFileSync('mkfifo', [p]),
      /model\.safetensors: is not a regular file \(a pipe, socket or device\)$/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(`${what}: named, with what it is`, async () => {
      const dir = await folderWith(what.replace(/\W+/g, '-'), make);
      const err = await openCheckpoint(dir).catch((e) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err.file).toBe(join(dir, 'model.safetensors'));
      expect(err.message).toMatch(message);
    });
  }
});
