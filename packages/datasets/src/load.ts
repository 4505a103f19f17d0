import { type HubOptions, resolvePretrained } from '@gptft/hub';
import type { z } from 'zod';
import { type DataFiles, resolveDataFiles } from './data-files.js';
import { join, listFiles, pathKind } from './io/fs.js';
import type { Dataset } from './dataset.js';
import { DataError, type Located } from './errors.js';
import { IterableDataset } from './iterable-dataset.js';
import { type DataFormat, inferFormat, type ReadOptions, readRecords } from './read.js';
import { ErrorCollector, type ValidateOptions, validateRecord } from './validate.js';

/** The records' type: the schema's output, or `unknown` without a schema. */
export type RecordOf<S> = S extends z.ZodType ? z.output<S> : unknown;

/** Options for reading files with an optional schema (see {@link streamFiles}). */
export interface ReadDatasetOptions<S extends z.ZodType | undefined = undefined>
  extends Omit<ReadOptions, 'displayName' | 'onRecordError'>,
    ValidateOptions {
  /** Validate (and type) every record with this zod schema, e.g. `chatRecord`. */
  schema?: S;
}

/** A file to read and the name its errors show. */
export interface DataFile {
  path: string;
  displayName?: string;
}

/**
 * Streams the records of files, checked against `schema` when given. Records that cannot be
 * parsed or fail the schema throw `file:line: field: reason`, or with `onError: 'skip'` are
 * dropped and counted: the report goes to `onReport` (default: one warning line) at the end of
 * each iteration and is on `.report`.
 */
export function streamFiles<S extends z.ZodType | undefined = undefined>(
  files: readonly (string | DataFile)[],
  options: ReadDatasetOptions<S> = {},
): IterableDataset<RecordOf<S>> {
  const list = files.map((f) => (typeof f === 'string' ? { path: f } : f));
  let last: ReturnType<ErrorCollector['finish']> | undefined;
  const source = async function* (): AsyncGenerator<Located<RecordOf<S>>> {
    const errors = new ErrorCollector(options);
    const skip = options.onError === 'skip';
    for (const f of list) {
      const records = readRecords(f.path, {
        ...options,
        displayName: f.displayName ?? f.path,
        onRecordError: skip ? (e: DataError) => errors.fail(e) : undefined,
      });
      for await (const r of records) {
        if (options.schema) {
          const result = validateRecord(options.schema, r);
          if (!result.success) {
            errors.fail(result.error);
            continue;
          }
          errors.ok();
          yield { value: result.data as RecordOf<S>, file: r.file, line: r.line };
        } else {
          errors.ok();
          yield r as Located<RecordOf<S>>;
        }
      }
    }
    last = errors.finish();
  };
  return IterableDataset.fromLocated(source, () => last);
}

/** Reads files into memory (see {@link streamFiles}); the result's `.report` has the skip count. */
export async function readFiles<S extends z.ZodType | undefined = undefined>(
  files: readonly (string | DataFile)[],
  options: ReadDatasetOptions<S> = {},
): Promise<Dataset<RecordOf<S>>> {
  return streamFiles(files, options).toDataset();
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions<S extends z.ZodType | undefined = undefined>
  extends ReadDatasetOptions<S>,
    Omit<HubOptions, 'repoType'> {
  /** Return only this split (`train`, `validation`, `test`, or a `dataFiles` key). */
  split?: string;
  /** Which files form which split (globs relative to the folder or repo); default: by file names. */
  dataFiles?: DataFiles;
  /** Return lazy {@link IterableDataset}s that read as they are iterated (files larger than memory). */
  streaming?: boolean;
}

/** Splits by name. */
export type DatasetDict<T> = Record<string, Dataset<T>>;
/** Streaming splits by name. */
export type IterableDatasetDict<T> = Record<string, IterableDataset<T>>;

/**
 * Loads a dataset like HF `datasets.load_dataset`: from a local data file, a local folder, or a
 * hub dataset repo (`user/name`, downloaded with `@gptft/hub` into the HF cache, data files only).
 *
 * Splits come from `dataFiles`, else from the file names (`train.jsonl`, `dev.tsv`,
 * `data/test-0000.csv.gz`, `wnut17train.conll`: see `SPLIT_KEYWORDS`); a folder whose files
 * name no split, or a single file, is the `train` split. Formats come from the extensions
 * (or `format`); gzip is detected by content.
 *
 * Returns one split when `split` is given, else all of them by name; `streaming: true` returns
 * IterableDatasets instead of in-memory Datasets.
 */
export function loadDataset<S extends z.ZodType | undefined = undefined>(
  pathOrRepoId: string,
  options: LoadDatasetOptions<S> & { split: string; streaming: true },
): Promise<IterableDataset<RecordOf<S>>>;
export function loadDataset<S extends z.ZodType | undefined = undefined>(
  pathOrRepoId: string,
  options: LoadDatasetOptions<S> & { split: string; streaming?: false },
): Promise<Dataset<RecordOf<S>>>;
export function loadDataset<S extends z.ZodType | undefined = undefined>(
  pathOrRepoId: string,
  options: LoadDatasetOptions<S> & { split?: undefined; streaming: true },
): Promise<IterableDatasetDict<RecordOf<S>>>;
export function loadDataset<S extends z.ZodType | undefined = undefined>(
  pathOrRepoId: string,
  options?: LoadDatasetOptions<S> & { split?: undefined; streaming?: false },
): Promise<DatasetDict<RecordOf<S>>>;
export async function loadDataset<S extends z.ZodType | undefined = undefined>(
  pathOrRepoId: string,
  options: LoadDatasetOptions<S> = {},
): Promise<unknown> {
  const splits = await locateSplits(pathOrRepoId, options);
  const wanted = options.split === undefined ? Object.keys(splits) : [options.split];
  const out: Record<string, IterableDataset<RecordOf<S>> | Dataset<RecordOf<S>>> = {};
  for (const name of wanted) {
    const files = splits[name];
    if (!files) {
      throw new Error(
        `split ${JSON.stringify(name)} not found in ${pathOrRepoId}; available: ${Object.keys(splits).join(', ') || 'none'}`,
      );
    }
    checkOneFormat(files, options.format, name);
    const stream = streamFiles(files, options);
    out[name] = options.streaming ? stream : await stream.toDataset();
  }
  return options.split === undefined ? out : out[options.split];
}

/** Finds the files of every split, downloading a hub repo's data files first when needed. */
async function locateSplits(
  pathOrRepoId: string,
  options: LoadDatasetOptions<z.ZodType | undefined>,
): Promise<Record<string, DataFile[]>> {
  const kind = await pathKind(pathOrRepoId);
  if (kind === 'file') {
    if (options.dataFiles !== undefined)
      throw new Error('dataFiles needs a folder or hub repo, not a single file');
    return { train: [{ path: pathOrRepoId }] };
  }
  if (kind === 'missing' && inferFormat(pathOrRepoId) !== undefined) {
    throw new DataError('no such file', { file: pathOrRepoId });
  }
  let folder: string;
  let show: (rel: string) => string;
  if (kind === 'dir') {
    folder = pathOrRepoId;
    show = (rel) => join(pathOrRepoId, rel);
  } else {
    const repoId = pathOrRepoId.replace(/^datasets\//, '');
    const allowPatterns = options.dataFiles === undefined ? DATA_PATTERNS : patternsOf(options.dataFiles);
    folder = await resolvePretrained(repoId, {
      revision: options.revision,
      cacheDir: options.cacheDir,
      hubUrl: options.hubUrl,
      accessToken: options.accessToken,
      localFilesOnly: options.localFilesOnly,
      fetch: options.fetch,
      repoType: 'dataset',
      allowPatterns,
    });
    show = (rel) => `${repoId}/${rel}`;
  }
  const files = await listFiles(folder);
  const splits = resolveDataFiles(files, options.dataFiles, { format: options.format, where: pathOrRepoId });
  return Object.fromEntries(
    Object.entries(splits).map(([name, rels]) => [
      name,
      rels.map((rel) => ({ path: join(folder, rel), displayName: show(rel) })),
    ]),
  );
}

/** Hub files fetched when no `dataFiles` are given: every format this package reads, plain or gzipped. */
const DATA_PATTERNS = [
  '*.jsonl',
  '*.ndjson',
  '*.json',
  '*.csv',
  '*.tsv',
  '*.txt',
  '*.conll',
  '*.conllu',
  '*.iob',
  '*.bio',
  '*.gz',
];

function patternsOf(dataFiles: DataFiles): string[] {
  if (typeof dataFiles === 'string') return [dataFiles];
  if (Array.isArray(dataFiles)) return [...(dataFiles as readonly string[])];
  return Object.values(dataFiles as Record<string, string | readonly string[]>).flatMap((v) =>
    typeof v === 'string' ? [v] : [...v],
  );
}

function checkOneFormat(files: readonly DataFile[], format: DataFormat | undefined, split: string): void {
  if (format) return;
  const formats = new Set(files.map((f) => inferFormat(f.path)));
  if (formats.has(undefined)) {
    const f = files.find((x) => inferFormat(x.path) === undefined)!;
    throw new DataError(`cannot tell the format from the file name; pass format`, {
      file: f.displayName ?? f.path,
    });
  }
  if (formats.size > 1) {
    throw new Error(
      `split ${JSON.stringify(split)} mixes formats (${[...formats].join(', ')}); pass dataFiles or format`,
    );
  }
}
