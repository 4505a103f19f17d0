// Where the tests find real data, and how a test that needs data the repository cannot hold says so.
//
// - `test-data/` in the repository: small, permissively licensed data sets and excerpts (see
//   test-data/README.md). Every test that can run on them does.
// - the project's shared data folder (`$GPTFT_DATA`, else `shared/data` beside the repository):
//   the full data sets, some of them non-commercial (never copied into the repository). Tests that
//   need them are skipped without it, and `sharedDataOrSkip` prints why and how to get the data.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The repository root (this file is tooling/test-data.mjs). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The shared data folder: `$GPTFT_DATA`, else `<repo>/../shared/data`. */
export const sharedDataDir = resolve(process.env.GPTFT_DATA ?? resolve(repoRoot, '../shared/data'));

/** A path in the repository's `test-data/` folder. */
export function repoData(...parts) {
  return resolve(repoRoot, 'test-data', ...parts);
}

/** The text of a file in `test-data/` (gunzipped when the name ends in `.gz`). */
export function readRepoData(...parts) {
  const file = repoData(...parts);
  const buf = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/**
 * The absolute path of `relPath` in the shared data folder if it is there; otherwise prints, once
 * per test file and data set, that `what` is skipped and why, and returns undefined (use it in
 * `it.skipIf(!path)` / `describe.skipIf(!path)`).
 */
export function sharedDataOrSkip(relPath, what, why = '') {
  const path = resolve(sharedDataDir, relPath);
  if (existsSync(path)) return path;
  console.warn(
    `skipped: ${what} — needs ${relPath} from the shared data folder (${sharedDataDir}), which is ` +
      `not part of the repository${why ? ` (${why})` : ''}. Put the data set there or set GPTFT_DATA ` +
      'to a folder holding it; test-data/README.md says where each data set comes from.',
  );
  return undefined;
}
