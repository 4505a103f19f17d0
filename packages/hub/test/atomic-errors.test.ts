// An atomic write that fails names what it was writing (issue 16 §9): errors from writes through a
// file handle carry no path ("ENOSPC: no space left on device, write"). The ENOSPC here is the
// kernel's own, from /dev/full.
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDirAtomic, writeFileAtomicWith } from '../src/index.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gptft-atomic-err-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const diskFull = () => writeFileSync('/dev/full', 'x'); // throws ENOSPC, without a path

describe.runIf(existsSync('/dev/full'))('a failed atomic write names its target', () => {
  it('writeFileAtomicWith: the file, in .path and in the message; nothing left behind', async () => {
    const target = join(tmp, 'model.safetensors');
    const err = await writeFileAtomicWith(target, async () => diskFull()).catch((e) => e);
    expect(err.code).toBe('ENOSPC');
    expect(err.path).toBe(target);
    expect(err.message).toBe(`ENOSPC: no space left on device, write (writing ${target})`);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('writeDirAtomic: the folder, or the file inside it under its final name (not the temporary one)', async () => {
    const dir = join(tmp, 'checkpoint-3');
    const outer = await writeDirAtomic(dir, async () => diskFull()).catch((e) => e);
    expect([outer.code, outer.path]).toEqual(['ENOSPC', dir]);
    const inner = await writeDirAtomic(dir, (t) =>
      writeFileAtomicWith(join(t, 'optimizer.safetensors'), async () => diskFull()),
    ).catch((e) => e);
    expect([inner.code, inner.path]).toEqual(['ENOSPC', join(dir, 'optimizer.safetensors')]);
    expect(inner.message).toBe(
      `ENOSPC: no space left on device, write (writing ${join(dir, 'optimizer.safetensors')})`,
    );
    expect(await readdir(tmp)).toEqual([]);
  });
});
