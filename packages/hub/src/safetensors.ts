/**
 * Reading the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header `{name: {dtype, shape, data_offsets}, __metadata__}`,
 * then the tensors' bytes, contiguous and little-endian. Every claim the header makes is checked
 * against the file before any tensor is handed out.
 */
import { z } from 'zod';
import { CheckpointError } from './errors.js';
import { f16Table16 } from './half.js';
import { readFileHead, readRangeSync } from './safetensors-open.js';

export { CheckpointError } from './errors.js';

/** Element types of the safetensors format. */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U8'
  | 'BOOL'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'F8_E5M2'
  | 'F8_E4M3';

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  F8_E5M2: 1,
  F8_E4M3: 1,
};

/** Where one tensor lives in a safetensors file. `byteOffset` is absolute (from the file's start). */
export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Offset of the tensor's first byte from the start of the file. */
  byteOffset: number;
  byteLength: number;
}

/** The Rust library refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

const dtypeSchema = z.enum(Object.keys(DTYPE_SIZE) as [SafetensorsDtype, ...SafetensorsDtype[]]);
const entrySchema = z.strictObject({
  dtype: dtypeSchema,
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});
const metadataSchema = z.record(z.string(), z.string());

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads `length` bytes at absolute `offset`. */
type RangeReader = (offset: number, length: number) => Uint8Array;

function zodIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${path}${issue.message}`;
}

/** Parses and validates a header; `fileSize` is the whole file's length. */
function parseHeader(
  file: string,
  head: Uint8Array,
  fileSize: number,
): { headerLength: number; metadata: Record<string, string>; tensors: Map<string, SafetensorsTensorInfo> } {
  if (fileSize < 8) {
    throw new CheckpointError(
      file,
      `not a safetensors file: ${fileSize} bytes, too short for the 8-byte header length (truncated?)`,
    );
  }
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(file, `header length ${n} exceeds the 100 MB limit (corrupt file?)`);
  }
  const headerLength = Number(n);
  if (8 + headerLength > fileSize) {
    throw new CheckpointError(
      file,
      `header length ${headerLength} runs past the end of the file (${fileSize} bytes): truncated or not a safetensors file`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, 8 + headerLength));
  } catch {
    throw new CheckpointError(file, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new CheckpointError(file, 'header does not start with "{"');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(file, `header is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(file, 'header is not a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;
  let metadata: Record<string, string> = {};
  const list: SafetensorsTensorInfo[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      const parsed = metadataSchema.safeParse(value);
      if (!parsed.success) {
        throw new CheckpointError(file, `__metadata__: ${zodIssue(parsed.error)} (values must be strings)`);
      }
      metadata = parsed.data;
      continue;
    }
    const parsed = entrySchema.safeParse(value);
    if (!parsed.success) throw new CheckpointError(file, zodIssue(parsed.error), { tensor: name });
    const { dtype, shape, data_offsets } = parsed.data;
    const [begin, end] = data_offsets;
    if (end < begin) {
      throw new CheckpointError(file, `data_offsets [${begin}, ${end}] end before they begin`, {
        tensor: name,
      });
    }
    const numel = shape.reduce((a, b) => a * b, 1);
    const expected = numel * DTYPE_SIZE[dtype];
    if (!Number.isSafeInteger(expected) || expected !== end - begin) {
      throw new CheckpointError(
        file,
        `dtype ${dtype} × shape [${shape.join(', ')}] needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
        { tensor: name },
      );
    }
    if (end > dataSize) {
      throw new CheckpointError(
        file,
        `data_offsets [${begin}, ${end}] run past the end of the data (${dataSize} bytes after the header): truncated file or lying header`,
        { tensor: name },
      );
    }
    list.push({ name, dtype, shape, byteOffset: dataStart + begin, byteLength: end - begin });
  }
  // The tensors must tile the data section exactly: no overlap, no gap, nothing after.
  const sorted = [...list].sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  let cursor = dataStart;
  let previous: string | undefined;
  for (const t of sorted) {
    const rel = (x: number) => x - dataStart;
    if (t.byteOffset < cursor) {
      throw new CheckpointError(
        file,
        `data_offsets [${rel(t.byteOffset)}, ${rel(t.byteOffset + t.byteLength)}] overlap tensor "${previous}" (which ends at ${rel(cursor)})`,
        { tensor: t.name },
      );
    }
    if (t.byteOffset > cursor) {
      throw new CheckpointError(
        file,
        `data_offsets start at ${rel(t.byteOffset)}, leaving a gap after ${previous === undefined ? 'the header' : `tensor "${previous}"`} (which ends at ${rel(cursor)})`,
        { tensor: t.name },
      );
    }
    cursor = t.byteOffset + t.byteLength;
    previous = t.name;
  }
  if (cursor !== fileSize) {
    throw new CheckpointError(
      file,
      `${fileSize - cursor} unexpected bytes after the last tensor's data (the header describes ${cursor} of ${fileSize} bytes)`,
    );
  }
  const tensors = new Map<string, SafetensorsTensorInfo>();
  for (const t of list) tensors.set(t.name, t);
  return { headerLength, metadata, tensors };
}

/** A parsed, validated safetensors file. Tensor bytes are read on demand (from disk or memory). */
export class SafetensorsFile {
  /** The file's path (or a label for in-memory bytes). */
  readonly path: string;
  /** The `__metadata__` string map (`{format: 'pt'}` for files saved by transformers). */
  readonly metadata: Record<string, string>;
  /** Tensors by name, in header order. */
  readonly tensors: Map<string, SafetensorsTensorInfo>;
  /** The header's length in bytes (without the 8-byte length prefix). */
  readonly headerLength: number;
  readonly #read: RangeReader;

  private constructor(path: string, parsed: ReturnType<typeof parseHeader>, read: RangeReader) {
    this.path = path;
    this.metadata = parsed.metadata;
    this.tensors = parsed.tensors;
    this.headerLength = parsed.headerLength;
    this.#read = read;
  }

  /** Opens and validates a file; tensor data is read from disk when asked for, not kept in memory. */
  static async open(path: string): Promise<SafetensorsFile> {
    const { head, size } = await readFileHead(path, MAX_HEADER_BYTES);
    const parsed = parseHeader(path, head, size);
    return new SafetensorsFile(path, parsed, (offset, length) => readRangeSync(path, offset, length));
  }

  /** Parses a whole file held in memory. */
  static fromBytes(bytes: Uint8Array, path = '<bytes>'): SafetensorsFile {
    // A plain Uint8Array view (a Node Buffer's `slice` would share memory instead of copying).
    bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const parsed = parseHeader(path, bytes, bytes.length);
    return new SafetensorsFile(path, parsed, (offset, length) => bytes.subarray(offset, offset + length));
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** Where a tensor lives; throws a `CheckpointError` naming the file and tensor if absent. */
  info(name: string): SafetensorsTensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new CheckpointError(this.path, 'not found in this file', { tensor: name });
    return info;
  }

  /** The tensor's raw little-endian bytes (a copy when read from disk, a view for in-memory files). */
  getBytes(name: string): Uint8Array {
    const info = this.info(name);
    const bytes = this.#read(info.byteOffset, info.byteLength);
    if (bytes.length !== info.byteLength) {
      throw new CheckpointError(this.path, 'file changed or shrank while reading', { tensor: name });
    }
    return bytes;
  }

  /** A floating-point tensor as float32 (F16/BF16 decoded exactly, F64 rounded to nearest). */
  getFloat32(name: string): Float32Array {
    const info = this.info(name);
    assertLittleEndianHost();
    const bytes = this.getBytes(name);
    const n = info.byteLength / DTYPE_SIZE[info.dtype];
    switch (info.dtype) {
      case 'F32':
        return new Float32Array(copyAligned(bytes).buffer, 0, n);
      case 'F64':
        return Float32Array.from(new Float64Array(copyAligned(bytes).buffer, 0, n));
      case 'F16': {
        const bits = new Uint16Array(copyAligned(bytes).buffer, 0, n);
        const table = f16Table16();
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = table[bits[i]!]!;
        return out;
      }
      case 'BF16': {
        const bits = new Uint16Array(copyAligned(bytes).buffer, 0, n);
        const out = new Float32Array(n);
        const asInt = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) asInt[i] = bits[i]! << 16;
        return out;
      }
      default:
        throw new CheckpointError(
          this.path,
          `has dtype ${info.dtype}, not a floating-point type (use getInt for integer tensors)`,
          { tensor: name },
        );
    }
  }

  /**
   * An integer tensor: I64/U64 as a `BigInt64Array` (U64 values above 2^63-1 are refused), the
   * narrower integer types and BOOL (0/1) as an `Int32Array` (U32 above 2^31-1 refused).
   */
  getInt(name: string): Int32Array | BigInt64Array {
    const info = this.info(name);
    assertLittleEndianHost();
    const bytes = copyAligned(this.getBytes(name));
    const n = info.byteLength / DTYPE_SIZE[info.dtype];
    switch (info.dtype) {
      case 'I64':
        return new BigInt64Array(bytes.buffer, 0, n);
      case 'U64': {
        const out = new BigInt64Array(bytes.buffer, 0, n);
        for (let i = 0; i < n; i++) if (out[i]! < 0n) this.#intRange(name, 'U64', 'int64');
        return out;
      }
      case 'I32':
        return new Int32Array(bytes.buffer, 0, n);
      case 'U32': {
        const out = new Int32Array(bytes.buffer, 0, n);
        for (let i = 0; i < n; i++) if (out[i]! < 0) this.#intRange(name, 'U32', 'int32');
        return out;
      }
      case 'I16':
        return Int32Array.from(new Int16Array(bytes.buffer, 0, n));
      case 'U16':
        return Int32Array.from(new Uint16Array(bytes.buffer, 0, n));
      case 'I8':
        return Int32Array.from(new Int8Array(bytes.buffer, 0, n));
      case 'U8':
      case 'BOOL':
        return Int32Array.from(bytes.subarray(0, n));
      default:
        throw new CheckpointError(
          this.path,
          `has dtype ${info.dtype}, not an integer type (use getFloat32 for floating-point tensors)`,
          { tensor: name },
        );
    }
  }

  /** An integer tensor as `Int32Array`; I64 values outside the int32 range are refused. */
  getInt32(name: string): Int32Array {
    const data = this.getInt(name);
    if (data instanceof Int32Array) return data;
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v > 2147483647n || v < -2147483648n) this.#intRange(name, this.info(name).dtype, 'int32');
      out[i] = Number(v);
    }
    return out;
  }

  #intRange(name: string, dtype: string, target: string): never {
    throw new CheckpointError(this.path, `${dtype} value out of ${target} range`, { tensor: name });
  }
}

function assertLittleEndianHost(): void {
  if (!littleEndian) throw new Error('@gptft/hub: big-endian hosts are not supported');
}

/** Copies into a fresh ArrayBuffer so that typed views are aligned. */
function copyAligned(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return Uint8Array.prototype.slice.call(bytes);
}
