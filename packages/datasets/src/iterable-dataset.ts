import type { z } from 'zod';
import { Dataset } from './dataset.js';
import type { DataError, Located } from './errors.js';
import { SeededRandom } from '@gptft/backend';
import { type ReadOptions, readRecords } from './read.js';
import { ErrorCollector, type ValidateOptions, type ValidationReport, validateRecord } from './validate.js';

/**
 * A lazy, streaming dataset (like HF `IterableDataset`): records are read from disk only as they
 * are iterated, one at a time, so memory stays bounded whatever the file size. Transforms return
 * new IterableDatasets; iterate with `for await`. Every record keeps its file and line.
 *
 * Each iteration reads the files again from the start, so a stream can be iterated repeatedly
 * (once per epoch).
 */
export class IterableDataset<T> implements AsyncIterable<T> {
  /** Report of the most recent completed iteration of a dataset created by {@link validate}. */
  get report(): ValidationReport | undefined {
    return this.lastReport?.();
  }

  private constructor(
    private readonly source: () => AsyncIterable<Located<T>>,
    private readonly lastReport?: () => ValidationReport | undefined,
  ) {}

  /**
   * Streams the records of one or more files (read in order). See {@link ReadOptions}; with
   * `onError: 'skip'` records that cannot be parsed are skipped where the format allows it.
   */
  static fromFiles(paths: string | readonly string[], options: ReadOptions = {}): IterableDataset<unknown> {
    const list = typeof paths === 'string' ? [paths] : [...paths];
    return new IterableDataset<unknown>(async function* () {
      for (const p of list) yield* readRecords(p, options);
    });
  }

  /**
   * A stream over located records produced by `make` (called once per iteration); `report`, when
   * given, supplies {@link report}.
   */
  static fromLocated<T>(
    make: () => AsyncIterable<Located<T>>,
    report?: () => ValidationReport | undefined,
  ): IterableDataset<T> {
    return new IterableDataset(make, report);
  }

  /** A stream over any (async) iterable of records, located by index in `'<memory>'`. */
  static from<T>(records: Iterable<T> | AsyncIterable<T>): IterableDataset<T> {
    return new IterableDataset<T>(async function* () {
      let line = 0;
      for await (const value of records as AsyncIterable<T>) yield { value, file: '<memory>', line: ++line };
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const r of this.source()) yield r.value;
  }

  /** The records with their file and line. */
  located(): AsyncIterable<Located<T>> {
    return this.source();
  }

  /** Applies `fn` to every record as it streams by (`fn` may be async). */
  map<U>(fn: (record: T, location: Located<T>) => U | Promise<U>): IterableDataset<U> {
    const source = this.source;
    return new IterableDataset<U>(async function* () {
      for await (const r of source()) yield { value: await fn(r.value, r), file: r.file, line: r.line };
    });
  }

  /** Keeps the records for which `fn` is true. */
  filter(fn: (record: T, location: Located<T>) => boolean | Promise<boolean>): IterableDataset<T> {
    const source = this.source;
    return new IterableDataset<T>(async function* () {
      for await (const r of source()) if (await fn(r.value, r)) yield r;
    });
  }

  /** The first `n` records (reading stops there). */
  take(n: number): IterableDataset<T> {
    const source = this.source;
    return new IterableDataset<T>(async function* () {
      if (n <= 0) return;
      let i = 0;
      for await (const r of source()) {
        yield r;
        if (++i >= n) return;
      }
    });
  }

  /** All but the first `n` records. */
  skip(n: number): IterableDataset<T> {
    const source = this.source;
    return new IterableDataset<T>(async function* () {
      let i = 0;
      for await (const r of source()) if (i++ >= n) yield r;
    });
  }

  /**
   * Approximate shuffling with a bounded buffer, as HF `IterableDataset.shuffle(buffer_size, seed)`:
   * the buffer is filled with the first `bufferSize` records; then each new record replaces a
   * random buffer slot whose record is emitted; at the end the buffer is emitted in shuffled order.
   * Deterministic for a seed (see {@link SeededRandom}); memory is `bufferSize` records.
   */
  shuffle(options: { bufferSize: number; seed?: number }): IterableDataset<T> {
    const source = this.source;
    const { bufferSize } = options;
    if (!Number.isInteger(bufferSize) || bufferSize < 1)
      throw new RangeError('shuffle: bufferSize must be a positive integer');
    return new IterableDataset<T>(async function* () {
      const rng = new SeededRandom(options.seed ?? 0);
      const buffer: Located<T>[] = [];
      for await (const r of source()) {
        if (buffer.length < bufferSize) buffer.push(r);
        else {
          const j = rng.nextInt(bufferSize);
          yield buffer[j];
          buffer[j] = r;
        }
      }
      yield* rng.shuffle(buffer);
    });
  }

  /** Groups records into arrays of `size` (the last may be smaller unless `dropLast`). */
  batch(size: number, options: { dropLast?: boolean } = {}): IterableDataset<T[]> {
    const source = this.source;
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`batch size must be a positive integer, got ${size}`);
    return new IterableDataset<T[]>(async function* () {
      let batch: Located<T>[] = [];
      for await (const r of source()) {
        batch.push(r);
        if (batch.length === size) {
          yield { value: batch.map((b) => b.value), file: batch[0].file, line: batch[0].line };
          batch = [];
        }
      }
      if (batch.length > 0 && !options.dropLast) {
        yield { value: batch.map((b) => b.value), file: batch[0].file, line: batch[0].line };
      }
    });
  }

  /**
   * Checks each record against a zod schema as it streams by. A bad record throws
   * `file:line: field: reason`; with `onError: 'skip'` it is dropped and counted, and the report
   * (also on `.report` afterwards) is handed to `onReport` when the iteration ends.
   */
  validate<S extends z.ZodType>(schema: S, options: ValidateOptions = {}): IterableDataset<z.output<S>> {
    const source = this.source;
    let last: ValidationReport | undefined;
    return new IterableDataset<z.output<S>>(
      async function* () {
        const errors = new ErrorCollector(options);
        for await (const r of source()) {
          const result = validateRecord(schema, r);
          if (result.success) {
            errors.ok();
            yield { value: result.data, file: r.file, line: r.line };
          } else errors.fail(result.error);
        }
        last = errors.finish();
      },
      () => last,
    );
  }

  /** Reads everything into an in-memory {@link Dataset} (keeping locations and any validation report). */
  async toDataset(): Promise<Dataset<T>> {
    const rows: Located<T>[] = [];
    for await (const r of this.source()) rows.push(r);
    return Dataset.fromLocated(rows, this.report);
  }
}

export type { DataError };
