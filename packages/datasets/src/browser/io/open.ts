/**
 * The browser build's stand-in for `io/open.ts` (package.json `browser` map): a data file is a URL
 * (relative to the page), streamed with `fetch`; gzip is undone by the browser's
 * `DecompressionStream`, judged by the magic bytes as on disk.
 */
import { DataError } from '../../errors.js';
import { isGzipBytes, type OpenOptions } from '../../io/gzip.js';

export { isGzipBytes, type OpenOptions } from '../../io/gzip.js';

function urlOf(path: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base ? new URL(path, base).href : path;
}

async function open(path: string, name: string): Promise<ReadableStream<Uint8Array>> {
  let res: Response;
  try {
    res = await fetch(urlOf(path));
  } catch (err) {
    throw new DataError(`fetch failed: ${(err as Error).message}`, { file: name }, { cause: err });
  }
  if (!res.ok || !res.body) {
    throw new DataError(res.status === 404 ? 'no such file' : `HTTP ${res.status}`, { file: name });
  }
  return res.body;
}

/** Whether the file at `path` (a URL) is gzip-compressed, judged by its first two bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  const reader = (await open(path, path)).getReader();
  try {
    const { value } = await reader.read();
    return isGzipBytes(value ?? new Uint8Array());
  } finally {
    await reader.cancel();
  }
}

/** Streams the bytes of a file (a URL), gunzipping when it starts with the gzip magic number. */
export async function* readBytes(path: string, options: OpenOptions = {}): AsyncGenerator<Uint8Array> {
  const name = options.displayName ?? path;
  const body = await open(path, name);
  const [probe, data] = body.tee();
  const probeReader = probe.getReader();
  const first = await probeReader.read();
  await probeReader.cancel();
  const gz = isGzipBytes(first.value ?? new Uint8Array());
  const stream = gz
    ? data.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
    : data;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const reason = gz ? `corrupt or truncated gzip data (${(err as Error).message})` : (err as Error).message;
    throw new DataError(reason, { file: name }, { cause: err });
  } finally {
    reader.releaseLock();
  }
}
