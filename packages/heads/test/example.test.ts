import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '@gptft/backend';
import { expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.js';
import { expected } from './helpers.js';

it("the README example runs and gives PyTorch's numbers", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gptft-heads-example-'));
  const r = await quickstart(dir);
  const [g0, g1] = expected.greedy;
  expect(Math.abs(r.lossValue - expected.lm[0]!.loss) / expected.lm[0]!.loss).toBeLessThan(1e-5);
  expect(r.greedy).toEqual([...g0!.prompt_ids, ...g0!.greedy_ids.slice(0, 10)]);
  expect(r.results.map((x) => [x.text, x.finishReason])).toEqual([
    [' Hutch distrac', 'stop_string'],
    [(g1 as unknown as { greedy_text: string }).greedy_text, 'length'],
  ]);
  expect(r.streamed.length).toBeGreaterThan(0);
  expect(r.generated[0]!.generated_text.startsWith('Hello, my name is Hutch distraction')).toBe(true);
  expect(r.sentiment.map((s) => s.label)).toEqual(['negative', 'neutral', 'positive']); // PyTorch logits 6.56, -4.06, -4.51
  expect(r.entities.map((e) => ('entity_group' in e ? e.entity_group : ''))).toEqual([
    'LOC',
    'LOC',
    'PER',
    'PER',
    'PER',
  ]);
  expect(Number.isFinite(r.clfLoss)).toBe(true);
  expect(existsSync(join(dir, 'my-classifier', 'model.safetensors'))).toBe(true);
  expect(tf.memory().numTensors).toBe(0);
});

it('the README shows examples/quickstart.ts verbatim (imports from the package)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const file = readFileSync(new URL('../examples/quickstart.ts', import.meta.url), 'utf8');
  expect(block).toBe(file.replace("from '../src/index.js'", "from '@gptft/heads'"));
});
