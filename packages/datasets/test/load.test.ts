import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The loopback hub server of @gptft/hub's tests: it serves repos in the hub's URL layout
// (/api/datasets/{repo}/revision/{rev}, /api/datasets/{repo}/tree/{rev}, /datasets/{repo}/resolve/{rev}/{path}).
import { FakeHub } from '@gptft/hub/testing';
import {
  chatRecord,
  DataError,
  IterableDataset,
  loadDataset,
  shareGptRecord,
  shareGptToChat,
  splitOfPath,
  textLabelRecord,
} from '../src/index.js';
import { collect, failure, fixture, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const read = (name: string) => readFileSync(fixture(name));

describe('split names from file names (HF conventions)', () => {
  it('finds train / validation / test words between separators and digits', () => {
    expect(splitOfPath('wnut17train.conll')).toBe('train');
    expect(splitOfPath('emerging.dev.conll')).toBe('validation');
    expect(splitOfPath('en_ewt-ud-test.conllu')).toBe('test');
    expect(splitOfPath('data/validation-00000-of-00001.jsonl')).toBe('validation');
    expect(splitOfPath('valid/part.csv')).toBe('validation');
    expect(splitOfPath('contest.jsonl')).toBeUndefined();
    expect(splitOfPath('trainer.jsonl')).toBeUndefined();
  });
});

describe('loadDataset on local files and folders', () => {
  let folder = '';
  beforeAll(() => {
    folder = join(tmp.dir, 'sst2');
    mkdirSync(join(folder, 'data'), { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# not data\n');
    writeFileSync(join(folder, 'dataset_infos.json'), '{"default": {}}\n');
    writeFileSync(join(folder, 'data', 'train.tsv'), read('sst2-dev-excerpt.tsv'));
    writeFileSync(
      join(folder, 'data', 'dev.tsv.gz'),
      gzipSync(read('sst2-dev-excerpt.tsv').subarray(0, 600)),
    );
  });

  it('finds splits by file name, reads formats by extension, gzip by content', async () => {
    const splits = await loadDataset(folder, {
      columns: { text: 'content', label: 'label' },
      columnTypes: { label: 'int' },
      schema: textLabelRecord,
    });
    expect(Object.keys(splits).sort()).toEqual(['train', 'validation']);
    expect(splits.train.length).toBe(40);
    expect(splits.train.get(0)).toEqual({ text: 'one long string of cliches .', label: 0 });
    expect(splits.train.location(0)).toEqual({ file: join(folder, 'data/train.tsv'), line: 2 });
    expect(splits.validation.length).toBeGreaterThan(0);
  });

  it('one split, dataFiles globs, a single file, streaming', async () => {
    const test = await loadDataset(folder, {
      split: 'test',
      dataFiles: { test: 'data/*.tsv' },
      format: 'tsv',
    });
    expect(test.length).toBe(40);
    const single = await loadDataset(fixture('dummy-conversation-excerpt.json.gz'), {
      split: 'train',
      schema: shareGptRecord,
    });
    expect(single.length).toBe(12);
    const stream = await loadDataset(fixture('wnut17-train-excerpt.conll'), {
      split: 'train',
      streaming: true,
    });
    expect(stream).toBeInstanceOf(IterableDataset);
    expect(await collect(stream.take(3))).toHaveLength(3);
    expect((await failure(loadDataset(folder, { split: 'valid' }))).message).toBe(
      `split "valid" not found in ${folder}; available: train, validation`,
    );
    expect((await failure(loadDataset(folder, { dataFiles: 'nothing/*.csv' }))).message).toBe(
      `dataFiles: "nothing/*.csv" matches no file in ${folder}`,
    );
    const missing = await failure(loadDataset(join(tmp.dir, 'missing.jsonl')));
    expect(missing).toBeInstanceOf(DataError);
    expect(missing.message).toBe(`${join(tmp.dir, 'missing.jsonl')}: no such file`);
  });
});

describe('loadDataset from a hub dataset repo (loopback server)', () => {
  const SHA = 'a1b2c3d4e5'.repeat(4);
  let hub: FakeHub;
  const cacheDir = join(tmp.dir, 'hf-cache');
  beforeAll(async () => {
    hub = await new FakeHub([
      {
        type: 'dataset',
        id: 'gptft-test/vicuna-dummy',
        commits: [
          {
            sha: SHA,
            refs: ['main'],
            files: {
              'README.md': Buffer.from('---\nlicense: apache-2.0\n---\n'),
              'data/train.json': read('dummy-conversation-excerpt.json'),
              'data/test.jsonl.gz': gzipSync(
                Buffer.from(
                  `${JSON.stringify({
                    conversations: [
                      { from: 'human', value: 'Hi' },
                      { from: 'gpt', value: 'Hello!' },
                    ],
                  })}\n`,
                ),
              ),
              'images/big.bin': Buffer.alloc(1024),
            },
          },
        ],
      },
    ]).start();
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('downloads the data files into the HF cache and loads the splits', async () => {
    const splits = await loadDataset('gptft-test/vicuna-dummy', {
      cacheDir,
      hubUrl: hub.url,
      schema: shareGptRecord,
    });
    expect(Object.keys(splits).sort()).toEqual(['test', 'train']);
    expect(splits.train.length).toBe(12);
    expect(splits.test.map(shareGptToChat).validate(chatRecord).get(0)).toEqual({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
    });
    // Errors name the repo path of the file.
    expect(splits.train.location(3)).toEqual({
      file: 'gptft-test/vicuna-dummy/data/train.json',
      line: expect.any(Number),
    });
    const fetched = hub.requests.filter((r) => r.url.includes('/resolve/')).map((r) => r.url);
    expect(fetched.some((u) => u.endsWith('data/train.json'))).toBe(true);
    expect(fetched.some((u) => u.includes('big.bin') || u.includes('README'))).toBe(false);
    // The snapshot is in the standard cache layout, and a second load makes no request.
    expect(readFileSync(join(cacheDir, 'datasets--gptft-test--vicuna-dummy', 'refs', 'main'), 'utf8')).toBe(
      SHA,
    );
    const before = hub.requests.length;
    const again = await loadDataset('gptft-test/vicuna-dummy', { split: 'train', cacheDir, hubUrl: hub.url });
    expect(again.length).toBe(12);
    expect(hub.requests.length).toBe(before);
  });

  it('validation errors name the file in the repo; unknown repos fail clearly', async () => {
    const err = await failure(
      loadDataset('gptft-test/vicuna-dummy', {
        split: 'train',
        cacheDir,
        hubUrl: hub.url,
        schema: chatRecord,
      }),
    );
    expect(err.message).toBe('gptft-test/vicuna-dummy/data/train.json:2: messages: missing (expected array)');
    const missing = await failure(loadDataset('gptft-test/nope', { cacheDir, hubUrl: hub.url }));
    expect(missing.message).toMatch(/dataset "gptft-test\/nope".*not found/);
  });
});
