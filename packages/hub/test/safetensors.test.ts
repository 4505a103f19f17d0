import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  f16BitsToFloat,
  floatToBf16Bits,
  floatToF16Bits,
  SafetensorsFile,
  serializeSafetensors,
  writeSafetensors,
} from '../src/index.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gptft-st-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Bitwise equality of two float arrays (fast, unlike a deep equal on millions of elements). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(bitsOf(a).buffer, a.byteOffset, a.byteLength),
      Buffer.from(bitsOf(b).buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

describe('reading the reference fixtures', () => {
  it('reads the F32 checkpoint: names, shapes, metadata and values', async () => {
    const f = await SafetensorsFile.open(join(fixtures, 'gpt2-tiny/model.safetensors'));
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(f.tensors.size).toBe(28);
    expect(f.has('lm_head.weight')).toBe(false); // tied
    expect(f.info('transformer.wte.weight')).toMatchObject({ dtype: 'F32', shape: [50257, 64] });
    expect(f.info('transformer.wpe.weight').shape).toEqual([128, 64]);
    expect(f.info('transformer.h.0.attn.c_attn.weight').shape).toEqual([64, 192]);
    expect(f.info('transformer.h.1.mlp.c_proj.weight').shape).toEqual([256, 64]);
    // Values read independently with Python's struct module from the same file.
    const wte = f.getFloat32('transformer.wte.weight');
    expect(wte.length).toBe(50257 * 64);
    expect([...wte.subarray(0, 4)]).toEqual([
      -0.0223388671875, -0.09930419921875, 0.032623291015625, -0.1763916015625,
    ]);
    expect([...wte.subarray(-2)]).toEqual([0.283203125, -0.0819091796875]);
    const bias = f.getFloat32('transformer.h.1.mlp.c_fc.bias');
    expect([...bias.subarray(0, 4)]).toEqual([
      -0.0048980712890625, 0.0118560791015625, 0.01617431640625, 0.0457763671875,
    ]);
    expect([...f.getFloat32('transformer.ln_f.weight').subarray(-2)]).toEqual([0.986328125, 0.95361328125]);
  });

  it('reads the F16 hub-style checkpoint: exactly the F32 values, plus the causal-mask buffers', async () => {
    const f32 = await SafetensorsFile.open(join(fixtures, 'gpt2-tiny/model.safetensors'));
    const f16 = await SafetensorsFile.open(join(fixtures, 'gpt2-tiny-hub-f16/model.safetensors'));
    expect(f16.tensors.size).toBe(30);
    let compared = 0;
    for (const [name, info] of f16.tensors) {
      expect(info.dtype).toBe('F16');
      if (/^h\.\d+\.attn\.bias$/.test(name)) {
        expect(info.shape).toEqual([1, 1, 128, 128]);
        const mask = f16.getFloat32(name);
        let wrong = 0;
        for (let i = 0; i < 128; i++)
          for (let j = 0; j < 128; j++) if (mask[i * 128 + j] !== (j <= i ? 1 : 0)) wrong++;
        expect(wrong).toBe(0);
        continue;
      }
      const ref = f32.getFloat32(`transformer.${name}`);
      expect(info.shape).toEqual(f32.info(`transformer.${name}`).shape);
      expect(sameBits(f16.getFloat32(name), ref)).toBe(true);
      compared++;
    }
    expect(compared).toBe(28);
  });

  it('reads from bytes as from a path', async () => {
    const bytes = await readFile(join(fixtures, 'lora/adapter_model.safetensors'));
    const a = SafetensorsFile.fromBytes(bytes, 'lora');
    const b = await SafetensorsFile.open(join(fixtures, 'lora/adapter_model.safetensors'));
    expect(a.names()).toEqual(b.names());
    for (const n of a.names()) expect(sameBits(a.getFloat32(n), b.getFloat32(n))).toBe(true);
    expect(a.info('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight').shape).toEqual([4, 64]);
  });
});

describe('F16 / BF16 conversion against known bit patterns', () => {
  // Hand-checked: sign | exponent (bias 15) | 10-bit mantissa.
  const f16Cases: Array<[number, number]> = [
    [1.0, 0x3c00],
    [-2.5, 0xc100],
    [65504, 0x7bff], // largest half
    [65519, 0x7bff], // below the midpoint to 65536
    [65520, 0x7c00], // the midpoint: ties to even → 65536 = inf
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
    [2 ** -14, 0x0400], // smallest normal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // half of it: tie → even (0)
    [2 ** -25 * 1.0000001, 0x0001], // just above the tie
    [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps → 2
    [5 * 2 ** -25, 0x0002], // tie between 2 and 3 ulps → 2
    [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10 → even (1)
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02 → even
    [2 ** -14 - 2 ** -25, 0x0400], // rounds up out of the subnormals into the smallest normal
    [0, 0x0000],
    [-0, 0x8000],
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
  ];
  it('encodes float32 → F16 with round-to-nearest-even', () => {
    for (const [x, bits] of f16Cases) expect([x, floatToF16Bits(x)]).toEqual([x, bits]);
    const nan = floatToF16Bits(Number.NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });
  it('decodes F16 exactly', () => {
    expect(f16BitsToFloat(0x0001)).toBe(2 ** -24);
    expect(f16BitsToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16BitsToFloat(0x7bff)).toBe(65504);
    expect(f16BitsToFloat(0x3555)).toBe(0.333251953125);
    expect(f16BitsToFloat(0xc100)).toBe(-2.5);
    expect(f16BitsToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(f16BitsToFloat(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(f16BitsToFloat(0x8000), -0)).toBe(true);
    expect(f16BitsToFloat(0x7e00)).toBeNaN();
    expect(f16BitsToFloat(0xfc01)).toBeNaN();
  });
  it('encodes float32 → BF16 with round-to-nearest-even', () => {
    const cases: Array<[number, number]> = [
      [1.0, 0x3f80],
      [-2.5, 0xc020],
      [3.0, 0x4040],
      [0.1, 0x3dcd], // 0x3dcccccd: lower half 0xcccd > 0x8000 → up
      [1 + 2 ** -8, 0x3f80], // tie → even
      [1 + 3 * 2 ** -8, 0x3f82], // tie → even
      [1 + 2 ** -8 + 2 ** -20, 0x3f81], // above the tie
      [3.4028234663852886e38, 0x7f80], // float32 max rounds to inf
      [Number.POSITIVE_INFINITY, 0x7f80],
      [Number.NEGATIVE_INFINITY, 0xff80],
      [1e-40, 0x0001], // float32 subnormal 0x000116c2
      [-0, 0x8000],
    ];
    for (const [x, bits] of cases) expect([x, floatToBf16Bits(x)]).toEqual([x, bits]);
    const nan = floatToBf16Bits(Number.NaN);
    expect(nan & 0x7f80).toBe(0x7f80);
    expect(nan & 0x7f).not.toBe(0);
  });
});

describe('F16 / BF16 conversion against PyTorch', () => {
  // 12,000 float32 values (random, ties, specials) and the bits torch 1.13's .half() / .bfloat16()
  // give for them: test/fixtures/make_half_reference.py.
  it('agrees with torch on every reference value', async () => {
    const ref = JSON.parse(
      await readFile(new URL('./fixtures/half-reference.json', import.meta.url), 'utf8'),
    ) as {
      f32: number[];
      f16: number[];
      bf16: number[];
    };
    expect(ref.f32.length).toBeGreaterThan(10000);
    const x = new Float32Array(new Uint32Array(ref.f32).buffer);
    const bad: string[] = [];
    for (let i = 0; i < x.length; i++) {
      if (floatToF16Bits(x[i]!) !== ref.f16[i])
        bad.push(`f16(${x[i]}) = ${floatToF16Bits(x[i]!)} vs ${ref.f16[i]}`);
      if (floatToBf16Bits(x[i]!) !== ref.bf16[i])
        bad.push(`bf16(${x[i]}) = ${floatToBf16Bits(x[i]!)} vs ${ref.bf16[i]}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    // And through the file writer: F16 / BF16 tensors hold torch's bits.
    const file = SafetensorsFile.fromBytes(
      serializeSafetensors({
        h: { dtype: 'F16', shape: [x.length], data: x },
        b: { dtype: 'BF16', shape: [x.length], data: x },
      }),
    );
    expect([...new Uint16Array(file.getBytes('h').slice().buffer)]).toEqual(ref.f16);
    expect([...new Uint16Array(file.getBytes('b').slice().buffer)]).toEqual(ref.bf16);
  });
});

describe('write → read round trips', () => {
  it('is bit-exact for every F16 and BF16 value, F32, F64, I64 and I32', async () => {
    const halfBits = new Uint16Array(65536).map((_, i) => i);
    // Decode every pattern (F16 via the reader), write it back, compare bits.
    const rawF16 = SafetensorsFile.fromBytes(
      serializeSafetensors({ h: { dtype: 'F16', shape: [65536], data: new Uint8Array(halfBits.buffer) } }),
    );
    const asF16 = rawF16.getFloat32('h');
    const rawBf = SafetensorsFile.fromBytes(
      serializeSafetensors({
        b: { dtype: 'BF16', shape: [256, 256], data: new Uint8Array(halfBits.buffer) },
      }),
    );
    const asBf16 = rawBf.getFloat32('b');
    const f32 = new Float32Array(1000).map((_, i) => Math.sin(i) * 10 ** ((i % 20) - 10));
    f32[0] = Number.NaN;
    f32[1] = -0;
    f32[2] = Number.POSITIVE_INFINITY;
    f32[3] = 1e-45;
    const f64 = new Float64Array([Math.PI, -1e300, 5e-324, 0.1]);
    const i64 = new BigInt64Array([0n, -1n, 9223372036854775807n, -9223372036854775808n, 1234567890123n]);
    const i32 = new Int32Array([0, -1, 2147483647, -2147483648]);
    const path = join(tmp, 'roundtrip.safetensors');
    await writeSafetensors(
      path,
      {
        f16: { dtype: 'F16', shape: [65536], data: asF16 },
        bf16: { dtype: 'BF16', shape: [65536], data: asBf16 },
        f32: { dtype: 'F32', shape: [10, 100], data: f32 },
        f64: { dtype: 'F64', shape: [4], data: f64 },
        i64: { dtype: 'I64', shape: [5], data: i64 },
        i32: { dtype: 'I32', shape: [2, 2], data: i32 },
        empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
        scalar: { dtype: 'F32', shape: [], data: new Float32Array([7]) },
      },
      { format: 'pt' },
    );
    expect((await readdir(tmp)).filter((n) => n.startsWith('.'))).toEqual([]); // no temp files left
    const back = await SafetensorsFile.open(path);
    const f16Back = new Uint16Array(back.getBytes('f16').slice().buffer);
    const bfBack = new Uint16Array(back.getBytes('bf16').slice().buffer);
    for (let h = 0; h < 65536; h++) {
      const isNanF16 = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      const isNanBf = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      if (isNanF16) expect(Number.isNaN(f16BitsToFloat(f16Back[h]!))).toBe(true);
      else if (f16Back[h] !== h)
        expect.fail(`F16 0x${h.toString(16)} came back as 0x${f16Back[h]!.toString(16)}`);
      if (!isNanBf && bfBack[h] !== h)
        expect.fail(`BF16 0x${h.toString(16)} came back as 0x${bfBack[h]!.toString(16)}`);
      if (isNanBf) expect((bfBack[h]! & 0x7f80) === 0x7f80 && (bfBack[h]! & 0x7f) !== 0).toBe(true);
    }
    expect(bitsOf(back.getFloat32('f32'))).toEqual(bitsOf(f32));
    expect(back.info('f32').shape).toEqual([10, 100]);
    expect(new Float64Array(back.getBytes('f64').slice().buffer)).toEqual(f64);
    expect(back.getInt('i64')).toEqual(i64);
    expect(back.getInt('i32')).toEqual(i32);
    expect(back.getInt32('i32')).toEqual(i32);
    expect(back.info('empty')).toMatchObject({ shape: [0, 3], byteLength: 0 });
    expect([...back.getFloat32('scalar')]).toEqual([7]);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(() => back.getFloat32('i64')).toThrow(/tensor "i64": has dtype I64, not a floating-point type/);
    expect(() => back.getInt('f32')).toThrow(/tensor "f32": has dtype F32, not an integer type/);
    expect(() => back.getInt32('i64')).toThrow(/tensor "i64": I64 value out of int32 range/);
  });

  it('copies raw bytes of any dtype unchanged (e.g. BOOL, U8, I8)', () => {
    const bytes = serializeSafetensors({
      m: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
      u: { dtype: 'U8', shape: [2], data: new Uint8Array([255, 7]) },
      s: { dtype: 'I8', shape: [2], data: new Uint8Array([255, 7]) },
    });
    const f = SafetensorsFile.fromBytes(bytes);
    expect([...f.getInt('m')]).toEqual([1, 0, 1]);
    expect([...f.getInt('u')]).toEqual([255, 7]);
    expect([...f.getInt('s')]).toEqual([-1, 7]);
  });

  it('refuses inconsistent input before writing anything', async () => {
    const path = join(tmp, 'bad.safetensors');
    await expect(
      writeSafetensors(path, {
        ok: { dtype: 'F32', shape: [2], data: new Float32Array(2) },
        bad: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) },
      }),
    ).rejects.toThrow(/tensor "bad": 3 values given but shape \[2, 2\] holds 4/);
    expect((await readdir(tmp)).filter((n) => n.includes('bad'))).toEqual([]);
    expect(() =>
      serializeSafetensors({ x: { dtype: 'I32', shape: [1], data: new Float32Array(1) } }),
    ).toThrow(/tensor "x": I32 needs Int32Array/);
    expect(() =>
      serializeSafetensors({ __metadata__: { dtype: 'F32', shape: [], data: new Float32Array(1) } }),
    ).toThrow(/reserved/);
  });
});

describe('byte-for-byte compatibility with the reference safetensors library', () => {
  const le = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);
  // Byte vectors from the Rust library's own unit tests (huggingface/safetensors,
  // safetensors/src/tensor.rs: test_serialization, test_empty, test_serialization_forced_alignement).
  it('matches test_serialization', () => {
    const out = serializeSafetensors({
      'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) },
    });
    expect([...out]).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101,
      34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34,
      100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0,
      0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
  });
  it('matches test_empty (with and without metadata)', () => {
    expect([...serializeSafetensors({})]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect([...serializeSafetensors({}, { framework: 'pt' })]).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34,
      102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
  });
  it('matches test_serialization_forced_alignement (space padding to 8 bytes)', () => {
    const out = serializeSafetensors({
      attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) },
    });
    expect([...out]).toEqual([
      72,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      123,
      34,
      97,
      116,
      116,
      110,
      48,
      34,
      58,
      123,
      34,
      100,
      116,
      121,
      112,
      101,
      34,
      58,
      34,
      70,
      51,
      50,
      34,
      44,
      34,
      115,
      104,
      97,
      112,
      101,
      34,
      58,
      91,
      49,
      44,
      49,
      44,
      50,
      44,
      51,
      93,
      44,
      34,
      100,
      97,
      116,
      97,
      95,
      111,
      102,
      102,
      115,
      101,
      116,
      115,
      34,
      58,
      91,
      48,
      44,
      50,
      52,
      93,
      125,
      125,
      32,
      32,
      32,
      32,
      32,
      32,
      32,
      ...le([0, 1, 2, 3, 4, 5]),
    ]);
  });
  it('lays tensors out by descending dtype alignment, then name (the reference `prepare` order)', () => {
    const out = serializeSafetensors({
      b: { dtype: 'F16', shape: [1], data: new Float32Array([1]) },
      a: { dtype: 'F16', shape: [1], data: new Float32Array([1]) },
      z: { dtype: 'I64', shape: [1], data: new BigInt64Array([1n]) },
      m: { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
      c: { dtype: 'BF16', shape: [1], data: new Float32Array([1]) },
    });
    const n = Number(new DataView(out.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(out.subarray(8, 8 + n));
    expect(header.trimEnd()).toBe(
      '{"z":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"m":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
        '"c":{"dtype":"BF16","shape":[1],"data_offsets":[12,14]},"a":{"dtype":"F16","shape":[1],"data_offsets":[14,16]},' +
        '"b":{"dtype":"F16","shape":[1],"data_offsets":[16,18]}}',
    );
  });
  it('reproduces the fixture files byte for byte (up to where "__metadata__" sits in the header)', async () => {
    for (const rel of [
      'gpt2-tiny/model.safetensors',
      'gpt2-tiny-hub-f16/model.safetensors',
      'seqcls/model.safetensors',
      'lora/adapter_model.safetensors',
      'expected.safetensors',
    ]) {
      const original = new Uint8Array(await readFile(join(fixtures, rel)));
      const f = SafetensorsFile.fromBytes(original, rel);
      const tensors = Object.fromEntries(
        f.names().map((n) => [n, { dtype: f.info(n).dtype, shape: f.info(n).shape, data: f.getBytes(n) }]),
      );
      const ours = serializeSafetensors(tensors, f.metadata);
      // The fixture writer put "__metadata__" last; the Rust library (and we) put it first (see
      // test_empty above). Move it and re-pad, then every byte must agree.
      const n = Number(new DataView(original.buffer, original.byteOffset).getBigUint64(0, true));
      const text = new TextDecoder().decode(original.subarray(8, 8 + n)).trimEnd();
      const meta = ',"__metadata__":{"format":"pt"}}';
      expect(text.endsWith(meta)).toBe(true);
      const moved = `{"__metadata__":{"format":"pt"},${text.slice(1, -meta.length)}}`;
      const padded = moved.padEnd(Math.ceil(moved.length / 8) * 8, ' ');
      const expected = new Uint8Array(8 + padded.length + (original.length - 8 - n));
      new DataView(expected.buffer).setBigUint64(0, BigInt(padded.length), true);
      expected.set(new TextEncoder().encode(padded), 8);
      expected.set(original.subarray(8 + n), 8 + padded.length);
      expect(Buffer.compare(Buffer.from(ours), Buffer.from(expected))).toBe(0);
    }
  });
});
