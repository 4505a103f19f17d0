// A damaged trainer_state.json is named, not a bare SyntaxError (issue 16 §9).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { CheckpointError } from '@gptft/hub';
import { beforeAll, describe, expect, it } from 'vitest';
import { Trainer } from '../src/index.js';
import { toyData, toyModel } from '../src/testing/index.js';
import { tmp } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('a damaged checkpoint', () => {
  it('trainer_state.json cut short: a CheckpointError naming the file', async () => {
    const outputDir = tmp();
    const args = { outputDir, maxSteps: 2, saveSteps: 2, learningRate: 0.01, loggingSteps: 1 };
    const model = toyModel();
    await new Trainer({ model, trainData: toyData, args }).train();
    const state = join(outputDir, 'checkpoint-2', 'trainer_state.json');
    writeFileSync(state, '{"globalStep": 2, "logHis');
    const err = await new Trainer({ model, trainData: toyData, args })
      .loadCheckpoint(join(outputDir, 'checkpoint-2'))
      .catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.message).toMatch(
      new RegExp(
        `^${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(.*\\): this checkpoint is damaged`,
      ),
    );
    writeFileSync(state, '{"globalStep": "two"}');
    const bad = await new Trainer({ model, trainData: toyData, args })
      .loadCheckpoint(join(outputDir, 'checkpoint-2'))
      .catch((e) => e);
    expect(bad).toBeInstanceOf(CheckpointError);
    expect(bad.message).toMatch(/trainer_state\.json: globalStep: /);
    model.dispose();
  });
});
