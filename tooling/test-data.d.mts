/** The repository root. */
export declare const repoRoot: string;
/** The shared data folder: `$GPTFT_DATA`, else `<repo>/../shared/data`. */
export declare const sharedDataDir: string;
/** A path in the repository's `test-data/` folder. */
export declare function repoData(...parts: string[]): string;
/** The text of a file in `test-data/` (gunzipped when the name ends in `.gz`). */
export declare function readRepoData(...parts: string[]): string;
/**
 * The absolute path of `relPath` in the shared data folder if it is there; otherwise prints that
 * `what` is skipped, why and how to get the data, and returns undefined.
 */
export declare function sharedDataOrSkip(relPath: string, what: string, why?: string): string | undefined;
