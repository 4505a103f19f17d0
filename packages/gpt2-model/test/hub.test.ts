// fromPretrained with a hub repo id, downloaded over real HTTP from a loopback server that serves
// the fixture folder in the hub's URL layout (the server is @gptft/hub's test server).
import '@gptft/backend-wasm';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '@gptft/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub } from '@gptft/hub/testing';
import { GPT2Model } from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff, tiedLogits } from './helpers.js';

const SHA = 'f'.repeat(40);
let hub: FakeHub;
let cacheDir: string;

beforeAll(async () => {
  await useBackend('wasm');
  const files: Record<string, Uint8Array> = {};
  const folder = join(FIXTURES, 'gpt2-tiny-hub-f16');
  for (const name of await readdir(folder)) files[name] = await readFile(join(folder, name));
  hub = await new FakeHub([
    { type: 'model', id: 'gptft-test/gpt2-tiny', commits: [{ sha: SHA, refs: ['main'], files }] },
  ]).start();
  cacheDir = await mkdtemp(join(tmpdir(), 'gptft-gpt2-hub-'));
});
afterAll(async () => {
  await hub.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('fromPretrained(repoId)', () => {
  it('downloads into the HF cache layout and computes what the local folder computes', async () => {
    const model = await GPT2Model.fromPretrained('gptft-test/gpt2-tiny', { cacheDir, hubUrl: hub.url });
    expect(hub.requests.some((r) => r.url.includes('model.safetensors'))).toBe(true);
    const snapshot = join(cacheDir, 'models--gptft-test--gpt2-tiny', 'snapshots', SHA);
    expect(await readdir(snapshot)).toContain('model.safetensors');
    const local = await GPT2Model.fromPretrained(`${FIXTURES}gpt2-tiny`);
    const ids = [expected.lm[0]!.ids];
    const [a, b] = [model, local].map((m) =>
      tf.tidy(() => tiedLogits(m, m.forward({ inputIds: ids }).lastHiddenState).dataSync()),
    );
    expect(maxAbsDiff(a!, b!)).toBe(0);
    local.dispose();
    model.dispose();
    // Second time: served from the cache, even offline.
    const again = await GPT2Model.fromPretrained('gptft-test/gpt2-tiny', {
      cacheDir,
      hubUrl: hub.url,
      localFilesOnly: true,
    });
    again.dispose();
  });

  it('says which repo was not found', async () => {
    await expect(GPT2Model.fromPretrained('gptft-test/nope', { cacheDir, hubUrl: hub.url })).rejects.toThrow(
      'gptft-test/nope',
    );
  });
});
