/**
 * Reading a safetensors file on disk (Node): its header now, tensor bytes when asked for. The
 * browser build swaps this module for `browser/safetensors-open.ts` (package.json `browser` map).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { CheckpointError } from './errors.js';

/** The first bytes of a file: the 8-byte length and the JSON header it announces (capped), and the size. */
export async function readFileHead(
  path: string,
  maxHeaderBytes: number,
): Promise<{ head: Uint8Array; size: number }> {
  let handle: Awaited<ReturnType<typeof openFile>>;
  try {
    handle = await openFile(path, 'r');
  } catch (err) {
    throw new CheckpointError(path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(Math.min(8, size));
    await handle.read(prefix, 0, prefix.length, 0);
    let head = prefix;
    if (size >= 8) {
      const n = new DataView(prefix.buffer).getBigUint64(0, true);
      const want = n <= BigInt(Math.min(size, maxHeaderBytes + 8)) - 8n ? Number(n) + 8 : 8;
      head = new Uint8Array(want);
      await handle.read(head, 0, want, 0);
    }
    return { head, size };
  } finally {
    await handle.close();
  }
}

/** `length` bytes of the file at `offset` (fewer at the end of the file). */
export function readRangeSync(path: string, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new CheckpointError(path, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  try {
    let done = 0;
    while (done < length) {
      const chunk = Math.min(length - done, 1 << 30);
      const got = readSync(fd, out, done, chunk, offset + done);
      if (got === 0) break;
      done += got;
    }
    return done === length ? out : out.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}
