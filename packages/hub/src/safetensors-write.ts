/**
 * Writing safetensors files the way the reference (Rust/Python) library does: tensors laid out by
 * descending dtype alignment then name, the header `{"__metadata__":{…},"name":{"dtype",…}}`
 * listing them in that order, padded with spaces to a multiple of 8 bytes.
 */
import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomicWith } from './atomic.js';
import { f32BitsToBf16Bits, f32BitsToF16Bits, floatToBf16Bits, floatToF16Bits } from './half.js';
import { DTYPE_SIZE, type SafetensorsDtype } from './safetensors.js';

/**
 * A tensor to write. `data` holds the values in row-major order: float32 (or float64) values for
 * the float dtypes (converted to F16/BF16 with round-to-nearest-even), `Int32Array` or
 * `BigInt64Array` for the integer ones. A `Uint8Array` is taken as the raw little-endian bytes
 * of any dtype (e.g. copied unchanged from another file with `SafetensorsFile.getBytes`).
 */
export interface TensorToWrite {
  dtype: 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'F64' | SafetensorsDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

/** The reference library's dtype order (its `Dtype` enum, increasing alignment). */
const DTYPE_RANK: Record<SafetensorsDtype, number> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  F8_E5M2: 3,
  F8_E4M3: 4,
  I16: 5,
  U16: 6,
  F16: 7,
  BF16: 8,
  I32: 9,
  U32: 10,
  F32: 11,
  F64: 12,
  I64: 13,
  U64: 14,
};

/** Compares strings by UTF-8 bytes, as Rust's `String` ordering does. */
const utf8 = new TextEncoder();

/** Byte order of the UTF-8 encodings (Rust's `String` order, which safetensors sorts by). */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function fail(name: string, message: string): never {
  throw new Error(`safetensors: tensor "${name}": ${message}`);
}

/** Encodes one tensor's data to little-endian bytes of its dtype. */
export function encodeTensor(name: string, t: TensorToWrite): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('@gptft/hub: big-endian hosts are not supported');
  const size = DTYPE_SIZE[t.dtype];
  if (size === undefined) fail(name, `unknown dtype ${String(t.dtype)}`);
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      fail(name, `shape [${t.shape.join(', ')}] has an invalid dimension`);
  }
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const { data } = t;
  if (data instanceof Uint8Array) {
    if (data.length !== numel * size) {
      fail(
        name,
        `${data.length} raw bytes given but ${t.dtype} × [${t.shape.join(', ')}] needs ${numel * size}`,
      );
    }
    return data;
  }
  if (data.length !== numel) {
    fail(name, `${data.length} values given but shape [${t.shape.join(', ')}] holds ${numel}`);
  }
  const isFloat = data instanceof Float32Array || data instanceof Float64Array;
  switch (t.dtype) {
    case 'F32':
      if (!isFloat) fail(name, 'F32 needs Float32Array or Float64Array data');
      return new Uint8Array(
        (data instanceof Float32Array ? data.slice() : Float32Array.from(data as Float64Array)).buffer,
      );
    case 'F64':
      if (!isFloat) fail(name, 'F64 needs Float64Array or Float32Array data');
      return new Uint8Array(Float64Array.from(data as Float32Array).buffer);
    case 'F16':
    case 'BF16': {
      if (!isFloat) fail(name, `${t.dtype} needs Float32Array or Float64Array data`);
      const out = new Uint16Array(numel);
      if (data instanceof Float32Array) {
        const bits = new Uint32Array(data.buffer, data.byteOffset, numel);
        const enc = t.dtype === 'F16' ? f32BitsToF16Bits : f32BitsToBf16Bits;
        for (let i = 0; i < numel; i++) out[i] = enc(bits[i]!);
      } else {
        const src = data as Float64Array;
        const enc = t.dtype === 'F16' ? floatToF16Bits : floatToBf16Bits;
        for (let i = 0; i < numel; i++) out[i] = enc(src[i]!);
      }
      return new Uint8Array(out.buffer);
    }
    case 'I64':
      if (data instanceof BigInt64Array) return new Uint8Array(data.slice().buffer);
      if (data instanceof Int32Array)
        return new Uint8Array(BigInt64Array.from(data, (v) => BigInt(v)).buffer);
      return fail(name, 'I64 needs BigInt64Array or Int32Array data');
    case 'I32':
      if (data instanceof Int32Array) return new Uint8Array(data.slice().buffer);
      if (data instanceof BigInt64Array) {
        const out = new Int32Array(numel);
        for (let i = 0; i < numel; i++) {
          const v = data[i]!;
          if (v > 2147483647n || v < -2147483648n) fail(name, `value ${v} out of I32 range`);
          out[i] = Number(v);
        }
        return new Uint8Array(out.buffer);
      }
      return fail(name, 'I32 needs Int32Array or BigInt64Array data');
    default:
      return fail(name, `dtype ${t.dtype} can only be written from raw bytes (Uint8Array)`);
  }
}

interface Layout {
  header: Uint8Array;
  order: Array<[string, TensorToWrite]>;
}

function layout(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Layout {
  const order = Object.entries(tensors);
  for (const [name, t] of order) {
    if (name === '__metadata__') fail(name, 'this name is reserved for the metadata');
    if (DTYPE_RANK[t.dtype] === undefined) fail(name, `unknown dtype ${String(t.dtype)}`);
  }
  order.sort(([an, a], [bn, b]) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(an, bn));
  const parts: string[] = [];
  if (metadata !== undefined) {
    const entries = Object.entries(metadata).sort(([a], [b]) => compareUtf8(a, b));
    for (const [k, v] of entries) {
      if (typeof v !== 'string') throw new Error(`safetensors: __metadata__.${k} must be a string`);
    }
    parts.push(
      `"__metadata__":{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
    );
  }
  let offset = 0;
  for (const [name, t] of order) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const n = numel * DTYPE_SIZE[t.dtype];
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + n}]}`,
    );
    offset += n;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + padded);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { header, order };
}

/**
 * Serializes tensors to the bytes of a safetensors file, byte-for-byte as the reference library
 * (`safetensors.serialize` / `save_file`) writes them. `metadata` keys are written sorted.
 */
export function serializeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const { header, order } = layout(tensors, metadata);
  const chunks = order.map(([name, t]) => encodeTensor(name, t));
  const total = chunks.reduce((a, c) => a + c.length, header.length);
  const out = new Uint8Array(total);
  out.set(header, 0);
  let pos = header.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, 1 << 30));
    done += bytesWritten;
  }
}

/**
 * Writes a safetensors file atomically (temporary file + fsync + rename), encoding one tensor at a
 * time so that memory stays near the largest tensor, not the whole file.
 */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Promise<void> {
  const { header, order } = layout(tensors, metadata);
  // Validate every tensor before touching the disk.
  for (const [name, t] of order) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const expected = t.data instanceof Uint8Array ? numel * DTYPE_SIZE[t.dtype] : numel;
    if (t.data.length !== expected) encodeTensor(name, t);
  }
  await writeFileAtomicWith(path, async (handle) => {
    await writeAll(handle, header);
    for (const [name, t] of order) await writeAll(handle, encodeTensor(name, t));
  });
}
