import { type DataFormat, inferFormat } from './read.js';

/** Which files make up which split: a pattern or list (all `train`), or patterns per split. */
export { listFiles } from './io/fs.js';

export type DataFiles = string | readonly string[] | Readonly<Record<string, string | readonly string[]>>;

/**
 * Split names and the words that mark a file or folder as belonging to them (Hugging Face
 * `datasets`' default data-file patterns): a word counts when it stands between separators
 * (`-`, `_`, `.`, space, digits, `/`) or at the ends, e.g. `wnut17train.conll`, `en_ewt-ud-dev.conllu`,
 * `data/test-00000.jsonl`, `validation/part1.csv`.
 */
export const SPLIT_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  train: ['train', 'training'],
  validation: ['validation', 'valid', 'dev', 'val'],
  test: ['test', 'testing', 'eval', 'evaluation'],
};

/** Files of a dataset folder that describe it rather than hold records (never picked as data). */
const METADATA_FILES = new Set([
  'dataset_info.json',
  'dataset_infos.json',
  'dataset_dict.json',
  'state.json',
  'README.md',
]);

/**
 * A glob as a RegExp over `/`-separated relative paths: `*` and `?` stay within one path
 * segment, `**` spans segments (`**\/x` also matches `x` at the top), `[abc]` is a class.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The split a file belongs to by its path's words (see {@link SPLIT_KEYWORDS}), if any. */
export function splitOfPath(path: string): string | undefined {
  const words = path
    .toLowerCase()
    .split(/[\s\-_.0-9/]+/)
    .filter((w) => w.length > 0);
  for (const [split, keywords] of Object.entries(SPLIT_KEYWORDS)) {
    if (keywords.some((k) => words.includes(k))) return split;
  }
  return undefined;
}

/**
 * Files per split: from `dataFiles` when given (globs relative to the folder, matched against
 * `files`), else every readable data file grouped by {@link splitOfPath} (all of them `train` when
 * none names a split). Returned paths are relative, in sorted order.
 */
export function resolveDataFiles(
  files: readonly string[],
  dataFiles: DataFiles | undefined,
  options: { format?: DataFormat; where: string },
): Record<string, string[]> {
  if (dataFiles !== undefined) {
    const spec: Record<string, readonly string[]> =
      typeof dataFiles === 'string'
        ? { train: [dataFiles] }
        : Array.isArray(dataFiles)
          ? { train: dataFiles as readonly string[] }
          : Object.fromEntries(
              Object.entries(dataFiles as Record<string, string | readonly string[]>).map(([k, v]) => [
                k,
                typeof v === 'string' ? [v] : v,
              ]),
            );
    const out: Record<string, string[]> = {};
    for (const [split, patterns] of Object.entries(spec)) {
      const matched = new Set<string>();
      for (const pattern of patterns) {
        const clean = pattern.replace(/^\.\//, '');
        const re = globToRegExp(clean);
        const hits = files.filter((f) => f === clean || re.test(f));
        if (hits.length === 0)
          throw new Error(`dataFiles: ${JSON.stringify(pattern)} matches no file in ${options.where}`);
        for (const h of hits) matched.add(h);
      }
      out[split] = [...matched].sort();
    }
    return orderSplits(out);
  }
  const data = files.filter((f) => inferFormat(f) !== undefined && !METADATA_FILES.has(f.split('/').pop()!));
  if (data.length === 0) {
    const parquet = files.some((f) => f.endsWith('.parquet'));
    throw new Error(
      `no data files in ${options.where} (looked for ${['.jsonl', '.json', '.csv', '.tsv', '.txt', '.conll', '.conllu'].join(', ')}, optionally .gz)` +
        (parquet ? '; Parquet files are not supported: convert them to JSONL' : '') +
        '; name the files with dataFiles',
    );
  }
  const out: Record<string, string[]> = {};
  let any = false;
  for (const f of data) {
    const split = splitOfPath(f);
    if (split) any = true;
    const key = split ?? '';
    if (!out[key]) out[key] = [];
    out[key].push(f);
  }
  if (!any) return { train: data };
  delete out[''];
  return orderSplits(out);
}

/** Splits in the usual order: train, validation, test, then the others by name. */
function orderSplits(splits: Record<string, string[]>): Record<string, string[]> {
  const known = Object.keys(SPLIT_KEYWORDS);
  const rank = (k: string) => (known.includes(k) ? known.indexOf(k) : known.length);
  const keys = Object.keys(splits).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, splits[k]]));
}
