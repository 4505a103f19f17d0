/**
 * The browser build's stand-in for `safetensors-open.ts` (package.json `browser` map): a page has
 * no file paths; read the bytes (`folder.readBytes`) and use `SafetensorsFile.fromBytes`.
 */
import { CheckpointError } from '../errors.js';

const NO_PATHS =
  'opening a file by path needs Node; in a page use SafetensorsFile.fromBytes(await folder.readBytes(name)) or openCheckpoint(folder)';

export async function readFileHead(
  path: string,
  _maxHeaderBytes: number,
): Promise<{ head: Uint8Array; size: number }> {
  throw new CheckpointError(path, NO_PATHS);
}

export function readRangeSync(path: string, _offset: number, _length: number): Uint8Array {
  throw new CheckpointError(path, NO_PATHS);
}
