import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.js';
import { expected, FIXTURES } from './helpers.js';

it("the README's quickstart runs and decodes PyTorch's greedy ids", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gptft-quickstart-'));
  const ids = await quickstart(`${FIXTURES}gpt2-tiny`, join(dir, 'saved'));
  expect(ids).toEqual(expected.greedy[0]!.greedy_ids.slice(0, 10));
  expect((await readdir(join(dir, 'saved'))).sort()).toEqual(['config.json', 'model.safetensors']);
  await rm(dir, { recursive: true, force: true });
});
