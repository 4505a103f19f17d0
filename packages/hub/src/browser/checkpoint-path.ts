/**
 * The browser build's stand-in for `checkpoint-path.ts` (package.json `browser` map): in a page a
 * checkpoint path is a URL relative to the page, read with `fetch`.
 */
import { type CheckpointReader, type OpenCheckpointOptions, openCheckpointFolder } from '../checkpoint.js';
import { toFolder } from './node-folder.js';

export async function openCheckpointPath(
  folder: string,
  options: OpenCheckpointOptions = {},
): Promise<CheckpointReader> {
  return openCheckpointFolder(toFolder(folder), options);
}
