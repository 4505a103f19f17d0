// gptft's WebAssembly SIMD kernels (wasm/kernels.c) on a memory of their own: the numbers against
// float64 references, and the committed binaries against a rebuild from the source when clang is
// installed (CI does not rebuild them; installs use the committed files).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GEMM_PACK_FLOATS, HostFloatMemory } from '../src/index.js';

function put(mem: HostFloatMemory, values: ArrayLike<number>): number {
  const off = mem.allocate(values.length);
  mem.view(off, values.length).set(values);
  return off;
}

describe('softmax_xent', () => {
  it('loss and gradient equal float64 for odd widths, large logits, -1e9 entries and skipped rows', () => {
    const mem = new HostFloatMemory();
    const rows = 5;
    const k = 1003; // SIMD body of 8, then a tail of 3
    const x = Float32Array.from({ length: rows * k }, (_, i) => Math.sin(i * 0.37) * 6);
    for (let j = 0; j < k; j++) x[k + j] = 60 + (j % 30); // logits near 90
    for (let j = 0; j < k; j += 7) x[2 * k + j] = -1e9; // masked-like entries
    const targets = Int32Array.from([3, 1000, 7, -1, 0]);
    const scale = 1 / 4;
    const xOff = put(mem, x);
    const tOff = mem.allocate(rows);
    new Int32Array(mem.memory.buffer, tOff, rows).set(targets);
    const gOff = mem.allocate(rows * k);
    const loss = mem.kernels.softmax_xent(xOff, tOff, rows, k, scale, gOff);
    const g = mem.view(gOff, rows * k);
    let want = 0;
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * k, (r + 1) * k));
      const t = targets[r]!;
      if (t < 0) {
        for (let j = 0; j < k; j++) expect(g[r * k + j]).toBe(0);
        continue;
      }
      const m = Math.max(...row);
      const sum = row.reduce((a, v) => a + Math.exp(v - m), 0);
      want += m + Math.log(sum) - row[t]!;
      for (let j = 0; j < k; j++) {
        const ref = scale * (Math.exp(row[j]! - m) / sum - (j === t ? 1 : 0));
        expect(Math.abs(g[r * k + j]! - ref)).toBeLessThan(1e-6 * scale + 2e-7 * Math.abs(ref));
      }
    }
    expect(Math.abs(loss - want * scale) / (want * scale)).toBeLessThan(2e-6);
    // without a gradient buffer: the same loss, nothing written
    expect(mem.kernels.softmax_xent(xOff, tOff, rows, k, scale, 0)).toBe(loss);
  });
});

describe('gemm, gemm_pack, gemm_packed', () => {
  // Rows odd and even (the 2-row kernel and its 1-row tail), columns below, at and past the 16-wide
  // panel (the zero-padded partial panel), K across several 256-row blocks.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [2, 16, 256],
    [33, 17, 257],
    [40, 48, 600],
    [7, 100, 3],
    [5, 23, 9],
  ];
  for (const [M, N, K] of shapes) {
    it(`C[${M}, ${N}] = A[${M}, ${K}]·B[${K}, ${N}] equals float64 on every column range it is given`, () => {
      const mem = new HostFloatMemory();
      const a = put(
        mem,
        Float32Array.from({ length: M * K }, (_, i) => Math.sin(i * 0.61)),
      );
      const b = put(
        mem,
        Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.23)),
      );
      const pack = mem.allocate(GEMM_PACK_FLOATS);
      const A = mem.view(a, M * K);
      const B = mem.view(b, K * N);
      const want = new Float64Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let sum = 0;
          for (let k = 0; k < K; k++) sum += A[i * K + k]! * B[k * N + j]!;
          want[i * N + j] = sum;
        }
      // B as given and as Bᵀ [N, K]
      const bt = put(
        mem,
        Float32Array.from({ length: K * N }, (_, i) => B[(i % K) * N + Math.floor(i / K)]!),
      );
      // the whole product, then two column ranges split at a multiple of 16 (how threads share it)
      const split = Math.min(N, 16);
      const whole = [[0, N]];
      const halves = [
        [0, split],
        [split, N],
      ];
      for (const [bOff, tb] of [
        [b, 0],
        [bt, 1],
      ])
        for (const ranges of [whole, halves]) {
          const c = mem.allocate(M * N);
          const C = mem.view(c, M * N);
          C.fill(Number.NaN); // every element must be written, not accumulated into
          for (const [n0, n1] of ranges) mem.kernels.gemm(a, bOff!, c, M, N, K, n0!, n1!, pack, tb!);
          for (let i = 0; i < M * N; i++) {
            expect(Math.abs(C[i]! - want[i]!)).toBeLessThan(1e-6 * Math.sqrt(K) * (1 + Math.abs(want[i]!)));
          }
        }
      // B packed once (`gemm_pack`), then the product in two column ranges (`gemm_packed`)
      for (const [bOff, tb] of [
        [b, 0],
        [bt, 1],
      ]) {
        const packed = mem.allocate(16 * K * Math.ceil(N / 16));
        mem.kernels.gemm_pack(bOff!, packed, K, N, tb!);
        const c = mem.allocate(M * N);
        const C = mem.view(c, M * N);
        C.fill(Number.NaN);
        for (const [n0, n1] of halves) mem.kernels.gemm_packed(a, packed, c, M, N, K, n0!, n1!, pack);
        for (let i = 0; i < M * N; i++) {
          expect(Math.abs(C[i]! - want[i]!)).toBeLessThan(1e-6 * Math.sqrt(K) * (1 + Math.abs(want[i]!)));
        }
      }
      // a column range leaves the other columns alone
      const c = mem.allocate(M * N);
      const C = mem.view(c, M * N);
      C.fill(7);
      mem.kernels.gemm(a, b, c, M, N, K, split, N, pack, 0);
      for (let i = 0; i < M; i++) for (let j = 0; j < split; j++) expect(C[i * N + j]).toBe(7);
    });
  }
});

describe('the committed kernels', () => {
  const dir = fileURLToPath(new URL('../wasm/', import.meta.url));
  const clang =
    spawnSync('clang', ['--version']).status === 0 && spawnSync('wasm-ld', ['--version']).status === 0;
  const title = clang
    ? 'equal a rebuild from kernels.c byte for byte'
    : 'equal a rebuild from kernels.c — skipped: clang and wasm-ld are not installed (apt-get install -y clang lld)';
  it.skipIf(!clang)(title, () => {
    const out = mkdtempSync(join(tmpdir(), 'gptft-kernels-'));
    execFileSync('sh', [join(dir, 'build.sh'), out]);
    for (const f of ['kernels.wasm', 'kernels-shared.wasm']) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(dir, f))), f).toBe(true);
    }
  });
});
