import type { z } from 'zod';
import type { Located, SourceLocation } from './errors.js';
import { SeededRandom } from '@gptft/backend';
import { ErrorCollector, type ValidateOptions, type ValidationReport, validateRecord } from './validate.js';

/** Options of {@link Dataset.trainTestSplit} (the semantics of HF `Dataset.train_test_split`). */
export interface TrainTestSplitOptions {
  /** A fraction in (0, 1) (test rows = ceil(testSize · n)) or a row count. Default 0.25 unless trainSize is set. */
  testSize?: number;
  /** A fraction in (0, 1) (train rows = floor(trainSize · n)) or a row count. Default: the rest. */
  trainSize?: number;
  /** Seed of the permutation (see {@link SeededRandom}). Default 0. */
  seed?: number;
  /** Shuffle before splitting (default true); false takes the first rows as train, the next as test. */
  shuffle?: boolean;
}

/**
 * An in-memory, immutable table of records (like HF `datasets.Dataset`). Every transform returns
 * a new Dataset; records keep where they were read from, so later errors can name file and line.
 */
export class Dataset<T> implements Iterable<T> {
  /** Set on datasets read with a schema: how many records were kept and skipped. */
  readonly report: ValidationReport | undefined;

  private constructor(
    private readonly rows: readonly T[],
    private readonly sources: readonly (SourceLocation | undefined)[] | undefined,
    report?: ValidationReport,
  ) {
    this.report = report;
  }

  /** A dataset over an array of records (the array is copied). */
  static from<T>(rows: Iterable<T>): Dataset<T> {
    return new Dataset([...rows], undefined);
  }

  /** A dataset over located records (as the readers yield them), keeping their locations. */
  static fromLocated<T>(records: Iterable<Located<T>>, report?: ValidationReport): Dataset<T> {
    const rows: T[] = [];
    const sources: SourceLocation[] = [];
    for (const r of records) {
      rows.push(r.value);
      sources.push({ file: r.file, line: r.line });
    }
    return new Dataset(rows, sources, report);
  }

  /** Number of records. */
  get length(): number {
    return this.rows.length;
  }

  /** The record at `index` (negative counts from the end); throws when out of range. */
  get(index: number): T {
    const i = index < 0 ? this.rows.length + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.rows.length) {
      throw new RangeError(`index ${index} is out of range for a dataset of ${this.rows.length} records`);
    }
    return this.rows[i];
  }

  /** Where record `index` was read from, when known. */
  location(index: number): SourceLocation | undefined {
    return this.sources?.[index];
  }

  [Symbol.iterator](): Iterator<T> {
    return this.rows[Symbol.iterator]();
  }

  /** The records as a new array. */
  toArray(): T[] {
    return [...this.rows];
  }

  /** The records with their locations (`file` is `'<memory>'` and `line` the 1-based index when unknown). */
  *located(): Generator<Located<T>> {
    for (let i = 0; i < this.rows.length; i++) {
      const src = this.sources?.[i];
      yield { value: this.rows[i], file: src?.file ?? '<memory>', line: src?.line ?? i + 1 };
    }
  }

  /** A dataset of `fn(record, index)` for every record. */
  map<U>(fn: (record: T, index: number) => U): Dataset<U> {
    return new Dataset(this.rows.map(fn), this.sources);
  }

  /** The records for which `fn` is true. */
  filter(fn: (record: T, index: number) => boolean): Dataset<T> {
    const keep: number[] = [];
    this.rows.forEach((r, i) => {
      if (fn(r, i)) keep.push(i);
    });
    return this.select(keep);
  }

  /** The records at `indices`, in that order (repeats allowed). */
  select(indices: Iterable<number>): Dataset<T> {
    const rows: T[] = [];
    const sources: (SourceLocation | undefined)[] | undefined = this.sources ? [] : undefined;
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= this.rows.length) {
        throw new RangeError(
          `select: index ${i} is out of range for a dataset of ${this.rows.length} records`,
        );
      }
      rows.push(this.rows[i]);
      sources?.push(this.sources![i]);
    }
    return new Dataset(rows, sources);
  }

  /** The first `n` records (all of them when there are fewer). */
  take(n: number): Dataset<T> {
    return this.range(0, Math.min(Math.max(0, n), this.rows.length));
  }

  /** All but the first `n` records. */
  skip(n: number): Dataset<T> {
    return this.range(Math.min(Math.max(0, n), this.rows.length), this.rows.length);
  }

  /** This dataset followed by `other`. */
  concat(other: Dataset<T>): Dataset<T> {
    const sources = this.sources || other.sources ? [...this.allSources(), ...other.allSources()] : undefined;
    return new Dataset([...this.rows, ...other.rows], sources);
  }

  /** The records in a seeded random order (see {@link SeededRandom} for the exact algorithm). */
  shuffle(options: { seed?: number } = {}): Dataset<T> {
    return this.select(new SeededRandom(options.seed ?? 0).permutation(this.rows.length));
  }

  /**
   * Splits into `{ train, test }` as HF does: a seeded permutation (unless `shuffle: false`), its
   * first `nTest` indices are the test set and the next `nTrain` the train set.
   */
  trainTestSplit(options: TrainTestSplitOptions = {}): { train: Dataset<T>; test: Dataset<T> } {
    const n = this.rows.length;
    const size = (v: number, name: string, round: (x: number) => number): number => {
      if (v > 0 && v < 1) return round(v * n);
      if (Number.isInteger(v) && v >= 0 && v <= n) return v;
      throw new RangeError(
        `trainTestSplit: ${name} must be a fraction in (0, 1) or a count in [0, ${n}], got ${v}`,
      );
    };
    const testSize = options.testSize ?? (options.trainSize === undefined ? 0.25 : undefined);
    let nTest = testSize === undefined ? undefined : size(testSize, 'testSize', Math.ceil);
    let nTrain =
      options.trainSize === undefined ? undefined : size(options.trainSize, 'trainSize', Math.floor);
    if (nTest === undefined) nTest = n - nTrain!;
    if (nTrain === undefined) nTrain = n - nTest;
    if (nTrain + nTest > n) {
      throw new RangeError(
        `trainTestSplit: ${nTrain} train + ${nTest} test records exceed the ${n} available`,
      );
    }
    if (nTrain === 0 || nTest === 0) {
      throw new RangeError(
        `trainTestSplit: with ${n} records this gives ${nTrain} train and ${nTest} test records; adjust testSize/trainSize`,
      );
    }
    const order =
      options.shuffle === false
        ? Array.from({ length: n }, (_, i) => i)
        : new SeededRandom(options.seed ?? 0).permutation(n);
    if (options.shuffle === false) {
      return {
        train: this.select(order.slice(0, nTrain)),
        test: this.select(order.slice(nTrain, nTrain + nTest)),
      };
    }
    return {
      test: this.select(order.slice(0, nTest)),
      train: this.select(order.slice(nTest, nTest + nTrain)),
    };
  }

  /** Consecutive batches of `size` records (the last may be smaller unless `dropLast`). */
  *batches(size: number, options: { dropLast?: boolean } = {}): Generator<T[]> {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`batch size must be a positive integer, got ${size}`);
    for (let i = 0; i < this.rows.length; i += size) {
      const batch = this.rows.slice(i, i + size);
      if (batch.length < size && options.dropLast) return;
      yield batch;
    }
  }

  /**
   * Checks every record against a zod schema. Bad records throw (`file:line: field: reason`) or,
   * with `onError: 'skip'`, are dropped and counted in the result's `report`.
   */
  validate<S extends z.ZodType>(schema: S, options: ValidateOptions = {}): Dataset<z.output<S>> {
    const errors = new ErrorCollector(options);
    const rows: z.output<S>[] = [];
    const sources: SourceLocation[] = [];
    for (const rec of this.located()) {
      const result = validateRecord(schema, rec);
      if (result.success) {
        errors.ok();
        rows.push(result.data);
        sources.push({ file: rec.file, line: rec.line });
      } else errors.fail(result.error);
    }
    return new Dataset(rows, sources, errors.finish());
  }

  private range(start: number, end: number): Dataset<T> {
    return new Dataset(this.rows.slice(start, end), this.sources?.slice(start, end));
  }

  private allSources(): (SourceLocation | undefined)[] {
    return this.sources ? [...this.sources] : new Array(this.rows.length).fill(undefined);
  }
}
