import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverDirAtomic, writeDirAtomic, writeFileAtomic } from '../src/index.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gptft-atomic-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const p = join(e.parentPath, e.name);
      out[p.slice(dir.length + 1)] = await readFile(p, 'utf8');
    }
  }
  return out;
}

async function makeOld(dir: string): Promise<Record<string, string>> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'config.json'), '{"old": true}');
  await writeFile(join(dir, 'sub', 'weights.bin'), 'old weights');
  return snapshot(dir);
}

describe('writeFileAtomic', () => {
  it('writes and replaces a file, leaving no temporary file', async () => {
    const path = join(tmp, 'files', 'a.json');
    await writeFileAtomic(path, '{"v": 1}');
    await writeFileAtomic(path, new TextEncoder().encode('{"v": 2}'));
    expect(await readFile(path, 'utf8')).toBe('{"v": 2}');
    expect(await readdir(join(tmp, 'files'))).toEqual(['a.json']);
  });
});

describe('writeDirAtomic', () => {
  it('a fill that throws leaves the old folder intact and nothing else behind', async () => {
    const dir = join(tmp, 'model-throw');
    const before = await makeOld(dir);
    const err = await writeDirAtomic(dir, async (t) => {
      await writeFile(join(t, 'config.json'), '{"new": true}');
      await writeFile(join(t, 'model.safetensors'), 'half');
      throw new Error('disk full (simulated)');
    }).catch((e) => e);
    expect(err.message).toBe('disk full (simulated)');
    expect(await snapshot(dir)).toEqual(before);
    expect(await readdir(tmp)).not.toContainEqual(expect.stringMatching(/^\.model-throw\./));
  });

  it('replaces the folder with the complete new content', async () => {
    const dir = join(tmp, 'model-ok');
    await makeOld(dir);
    await writeDirAtomic(dir, async (t) => {
      await writeFile(join(t, 'config.json'), '{"new": true}');
      await writeFile(join(t, 'model.safetensors'), 'weights');
    });
    expect(await snapshot(dir)).toEqual({ 'config.json': '{"new": true}', 'model.safetensors': 'weights' });
    expect((await readdir(tmp)).filter((n) => n.startsWith('.model-ok'))).toEqual([]);
    // Creating a folder that did not exist works too.
    await writeDirAtomic(join(tmp, 'fresh', 'nested'), async (t) => writeFile(join(t, 'x'), 'y'));
    expect(await snapshot(join(tmp, 'fresh', 'nested'))).toEqual({ x: 'y' });
  });

  it('a process killed (SIGKILL) during the fill leaves the old folder intact', async () => {
    const dir = join(tmp, 'model-kill');
    const before = await makeOld(dir);
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      import { writeDirAtomic } from ${JSON.stringify(entry)};
      import { writeFile } from 'node:fs/promises';
      import { join } from 'node:path';
      await writeDirAtomic(${JSON.stringify(dir)}, async (t) => {
        await writeFile(join(t, 'config.json'), '{"new": true}');
        await writeFile(join(t, 'model.safetensors'), 'partial');
        process.stdout.write('filling\\n');
        await new Promise(() => setInterval(() => {}, 1000));
      });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('filling') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(await snapshot(dir)).toEqual(before);
    // The dead writer's temporary folder is hidden, and the next write clears it away.
    const leftovers = (await readdir(tmp)).filter((n) => n.startsWith('.model-kill.tmp-'));
    expect(leftovers.length).toBe(1);
    await writeDirAtomic(dir, async (t) => writeFile(join(t, 'config.json'), '{"second": true}'));
    expect(await snapshot(dir)).toEqual({ 'config.json': '{"second": true}' });
    expect((await readdir(tmp)).filter((n) => n.startsWith('.model-kill'))).toEqual([]);
  });

  it('recovers the old folder if a crash came between the two renames of the swap', async () => {
    const dir = join(tmp, 'model-swap');
    const before = await makeOld(dir);
    // What a writer (pid 999999, not running) killed right after renaming the old folder aside leaves.
    await rename(dir, join(tmp, '.model-swap.old-999999-0123abcd'));
    await mkdir(join(tmp, '.model-swap.tmp-999999-4567cdef'));
    expect(await recoverDirAtomic(dir)).toBe(true);
    expect(await snapshot(dir)).toEqual(before);
    expect((await readdir(tmp)).filter((n) => n.startsWith('.model-swap'))).toEqual([]);
  });
});
