// Every worked-task example, on a few sentences and a few optimizer steps (the recorded runs under
// docs/runs/ use the full settings). The full data sets come from the shared data folder when it is
// there; otherwise WNUT-17, UD English EWT and WikiText-2 run on the excerpts in test-data/, and the
// SST-2 and Multi30k tests (their licences keep them out of the repository) say why they are skipped.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_GPT2 } from '../examples/fixture.js';
import { multi30kTranslation } from '../examples/tasks/multi30k-translation.js';
import { pretrainWikitext } from '../examples/tasks/pretrain-wikitext.js';
import { sst2Classification } from '../examples/tasks/sst2-classification.js';
import { dataDir, parseSettings } from '../examples/tasks/task-utils.js';
import { repoData, sharedDataOrSkip } from '@gptft/tooling/test-data';
import { udPos } from '../examples/tasks/ud-pos.js';
import { wnut17Ner } from '../examples/tasks/wnut17-ner.js';

const quiet = () => {};
/** The full data set from the shared data folder, else its excerpt in test-data/. */
const dataOf = (name: string) => (existsSync(dataDir(name)) ? dataDir(name) : repoData(name));
const SST2 = sharedDataOrSkip(
  'sst2',
  'the two SST-2 task examples',
  'SST-2 has no stated licence; research use only',
);
const MULTI30K = sharedDataOrSkip(
  'multi30k',
  'the Multi30k translation example',
  'Multi30k is non-commercial',
);
// A small model keeps these fast; the recorded runs use the defaults (width 128).
const small = { scratchEmbd: 32, scratchLayers: 1, scratchHeads: 2 };
const outs: string[] = [];
const outDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'docs-task-'));
  outs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of outs) await rm(d, { recursive: true, force: true });
});

describe('task settings from the command line', () => {
  it('parses --name value and --name=value into typed settings, and names unknown ones', () => {
    const d = { trainExamples: 8000, base: 'scratch', learningRate: 1e-3 };
    expect(parseSettings(d, ['--train-examples', '10', '--base=x', '--learning-rate', '5e-4'])).toEqual({
      trainExamples: 10,
      base: 'x',
      learningRate: 5e-4,
    });
    expect(() => parseSettings(d, ['--epochs', '2'])).toThrow(/unknown setting --epochs/);
    expect(() => parseSettings(d, ['--train-examples', 'many'])).toThrow(
      /--train-examples: expected a number/,
    );
  });
});

describe.skipIf(!SST2)('sentiment (SST-2)', () => {
  it('trains a few steps and scores the dev sentences', async () => {
    const out = await outDir();
    const r = await sst2Classification(
      { ...small, trainExamples: 64, evalExamples: 64, batchSize: 16, maxSteps: 4, out },
      quiet,
    );
    expect(r.steps).toBe(4);
    expect(Number.isFinite(r.trainLoss)).toBe(true);
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.accuracy).toBeLessThanOrEqual(1);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.accuracy).toBe(r.accuracy);
    expect(JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')).maxSteps).toBe(4);
  });
});

describe.skipIf(!SST2)('a task from a checkpoint (--base)', () => {
  it('fine-tunes the fixture GPT-2 folder with its own tokenizer and a new score head', async () => {
    const r = await sst2Classification(
      { base: TINY_GPT2, trainExamples: 32, evalExamples: 32, batchSize: 16, maxSteps: 2 },
      quiet,
    );
    expect(r.steps).toBe(2);
    expect(Number.isFinite(r.trainLoss)).toBe(true);
  });
});

describe('named entities (WNUT 17)', () => {
  it('trains a few steps and reports seqeval entity scores', async () => {
    const r = await wnut17Ner(
      { ...small, data: dataOf('wnut17'), trainSentences: 32, evalSentences: 32, maxSteps: 2 },
      quiet,
    );
    expect(r.steps).toBe(2);
    for (const v of [r.precision, r.recall, r.f1]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('part of speech (UD English EWT)', () => {
  it('trains a few steps and reports UPOS accuracy over every dev word', async () => {
    const r = await udPos(
      { ...small, data: dataOf('ud-english-ewt'), trainSentences: 32, evalSentences: 16, maxSteps: 2 },
      quiet,
    );
    expect(r.steps).toBe(2);
    expect(r.words).toBeGreaterThan(16);
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.accuracy).toBeLessThanOrEqual(1);
  });
});

describe.skipIf(!MULTI30K)('translation (Multi30k)', () => {
  it('trains a few steps, translates with greedy decoding and scores BLEU', async () => {
    const r = await multi30kTranslation(
      {
        ...small,
        trainPairs: 8,
        batchSize: 4,
        maxLength: 48,
        evalSentences: 4,
        maxNewTokens: 4,
        maxSteps: 2,
      },
      quiet,
    );
    expect(r.steps).toBe(2);
    expect(r.samples).toHaveLength(3);
    expect(r.bleu).toBeGreaterThanOrEqual(0);
  });
});

describe('pretraining (WikiText-2)', () => {
  it('a few steps from scratch already lower the test perplexity', async () => {
    const r = await pretrainWikitext(
      {
        data: dataOf('wikitext-2'),
        embd: 32,
        layers: 1,
        heads: 2,
        trainChars: 5_000,
        blockSize: 16,
        batchSize: 4,
        evalBlocks: 4,
        maxSteps: 3,
        warmupSteps: 1,
      },
      quiet,
    );
    expect(r.steps).toBe(3);
    // A fresh model is close to uniform over 50,257 tokens.
    expect(r.initialPerplexity).toBeGreaterThan(20_000);
    expect(r.perplexity).toBeLessThan(r.initialPerplexity);
  });
});
