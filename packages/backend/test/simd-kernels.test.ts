// gptft's WebAssembly SIMD kernels (wasm/kernels.c) on a memory of their own: the numbers against
// float64 references, and the committed binaries against a rebuild from the source when clang is
// installed (CI does not rebuild them; installs use the committed files).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HostFloatMemory } from '../src/index.js';

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
