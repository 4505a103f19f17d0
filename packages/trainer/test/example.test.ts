import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.js';

it("the README's quickstart trains the regression to a low eval loss", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gptft-trainer-example-'));
  const logs = await quickstart(dir);
  const train = logs.filter((l) => l.loss !== undefined);
  expect(train[0]!.loss!).toBeGreaterThan(train[train.length - 1]!.loss!);
  const evalLoss = logs[logs.length - 1]!.eval_loss!;
  expect(evalLoss).toBeLessThan(0.05);
  expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint-'))).toEqual(['checkpoint-160']);
});
