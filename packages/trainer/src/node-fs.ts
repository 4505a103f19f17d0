/**
 * The file operations the trainer does on `outputDir` (log.jsonl, checkpoint-N folders), Node's.
 * The browser build swaps this module for `browser/node-fs.ts` (package.json `browser` map), where
 * they fail with a clear message: in a page, train with `logToFile: false` and no `saveStrategy`,
 * and save the model or adapter into a `WritableFolder` (`memoryFolder()` + `zipFolder`, OPFS).
 */
export { existsSync } from 'node:fs';
export { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
export { join } from 'node:path';
