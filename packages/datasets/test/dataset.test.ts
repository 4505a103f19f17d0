import { describe, expect, it } from 'vitest';
import { chatRecord, Dataset, IterableDataset, SeededRandom, type ValidationReport } from '../src/index.js';
import { collect, fixture } from './helpers.js';

describe('Dataset', () => {
  const ds = Dataset.from(Array.from({ length: 10 }, (_, i) => ({ id: i })));

  it('length, get, map, filter, select, take, skip, concat, batches', () => {
    expect(ds.length).toBe(10);
    expect(ds.get(-1)).toEqual({ id: 9 });
    expect(() => ds.get(10)).toThrow('index 10 is out of range for a dataset of 10 records');
    expect(ds.map((r, i) => r.id * 10 + i).toArray()).toEqual([0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
    expect(ds.filter((r) => r.id % 3 === 0).toArray()).toEqual([{ id: 0 }, { id: 3 }, { id: 6 }, { id: 9 }]);
    expect(ds.select([4, 1, 4]).toArray()).toEqual([{ id: 4 }, { id: 1 }, { id: 4 }]);
    expect(ds.take(2).toArray()).toEqual([{ id: 0 }, { id: 1 }]);
    expect(ds.skip(8).toArray()).toEqual([{ id: 8 }, { id: 9 }]);
    expect(ds.take(1).concat(ds.skip(9)).toArray()).toEqual([{ id: 0 }, { id: 9 }]);
    expect([...ds.batches(4)].map((b) => b.length)).toEqual([4, 4, 2]);
    expect([...ds.batches(4, { dropLast: true })].map((b) => b.length)).toEqual([4, 4]);
    expect([...ds]).toHaveLength(10);
  });

  it('shuffles deterministically: the seeded Fisher–Yates permutation', () => {
    const s = ds
      .shuffle({ seed: 42 })
      .toArray()
      .map((r) => r.id);
    expect(s).toEqual([1, 0, 9, 6, 2, 5, 3, 7, 8, 4]);
    expect(ds.shuffle({ seed: 42 }).toArray()).toEqual(ds.shuffle({ seed: 42 }).toArray());
    expect(ds.shuffle({ seed: 43 }).toArray()).not.toEqual(ds.shuffle({ seed: 42 }).toArray());
    expect([...s].sort((a, b) => a - b)).toEqual(ds.toArray().map((r) => r.id));
  });

  it('trainTestSplit: HF semantics (test = the first ceil(testSize·n) of the permutation)', () => {
    const { train, test } = ds.trainTestSplit({ testSize: 0.25, seed: 42 });
    // ceil(2.5) = 3 test rows: the first three of permutation(10, seed 42) = [1, 0, 9, …].
    expect(test.toArray().map((r) => r.id)).toEqual([1, 0, 9]);
    expect(train.toArray().map((r) => r.id)).toEqual([6, 2, 5, 3, 7, 8, 4]);
    const fixed = ds.trainTestSplit({ testSize: 2, shuffle: false });
    expect(fixed.train.toArray().map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(fixed.test.toArray().map((r) => r.id)).toEqual([8, 9]);
    const sized = ds.trainTestSplit({ trainSize: 0.5, testSize: 0.2, seed: 1 });
    expect([sized.train.length, sized.test.length]).toEqual([5, 2]);
    expect(() => ds.trainTestSplit({ testSize: 0.01 })).not.toThrow(); // ceil → 1
    expect(() => ds.trainTestSplit({ testSize: 10 })).toThrow('gives 0 train and 10 test records');
    expect(() => ds.trainTestSplit({ testSize: 1.5 })).toThrow(
      'testSize must be a fraction in (0, 1) or a count in [0, 10], got 1.5',
    );
  });
});

describe('IterableDataset (streaming)', () => {
  const file = fixture('seed-tasks-excerpt.jsonl.gz');

  it('map, filter, take, skip, batch; can be iterated again', async () => {
    const stream = IterableDataset.fromFiles(file)
      .map((r) => (r as { id: string }).id)
      .filter((id) => !id.endsWith('3'));
    const ids = await collect(stream);
    expect(ids).toHaveLength(18);
    expect(await collect(stream.take(2))).toEqual(['seed_task_0', 'seed_task_1']);
    expect(await collect(stream.skip(16))).toEqual(['seed_task_18', 'seed_task_19']);
    expect((await collect(stream.batch(5))).map((b) => b.length)).toEqual([5, 5, 5, 3]);
    expect(await collect(stream)).toEqual(ids);
    const located = await collect(IterableDataset.fromFiles(file).located());
    expect(located.map((r) => r.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('shuffle with a buffer is a seeded permutation; toDataset keeps locations', async () => {
    const nums = IterableDataset.from(Array.from({ length: 50 }, (_, i) => i));
    const a = await collect(nums.shuffle({ bufferSize: 8, seed: 3 }));
    expect(a).toEqual(await collect(nums.shuffle({ bufferSize: 8, seed: 3 })));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Hand-derived for a buffer of 2 and seed 42: buffer [0, 1]; 2 → slot nextInt(2); …
    const rng = new SeededRandom(42);
    const buffer = [0, 1];
    const expected: number[] = [];
    for (const x of [2, 3, 4]) {
      const j = rng.nextInt(2);
      expected.push(buffer[j]);
      buffer[j] = x;
    }
    expected.push(...rng.shuffle(buffer));
    expect(await collect(IterableDataset.from([0, 1, 2, 3, 4]).shuffle({ bufferSize: 2, seed: 42 }))).toEqual(
      expected,
    );
    const ds = await IterableDataset.fromFiles(file).toDataset();
    expect(ds.length).toBe(20);
    expect(ds.location(19)).toEqual({ file, line: 20 });
  });

  it('validate on a stream: after a map, with skip, a report per iteration', async () => {
    const reports: ValidationReport[] = [];
    const stream = IterableDataset.from([
      { messages: [{ role: 'user', content: 'a' }] },
      { messages: [{ role: 'robot', content: 'b' }] },
      { messages: [{ role: 'assistant', content: 'c' }] },
    ]).validate(chatRecord, { onError: 'skip', onReport: (r) => reports.push(r) });
    expect((await collect(stream)).map((c) => c.messages[0].content)).toEqual(['a', 'c']);
    expect(await collect(stream)).toHaveLength(2);
    expect(reports.map((r) => [r.total, r.skipped])).toEqual([
      [3, 1],
      [3, 1],
    ]);
    expect(stream.report!.errors[0].message).toBe(
      '<memory>:2: messages[0].role: expected "system" | "user" | "assistant"',
    );
    await expect(collect(IterableDataset.from([{ messages: [] }]).validate(chatRecord))).rejects.toThrow(
      '<memory>:1: messages: expected at least 1 item, got 0',
    );
  });
});
