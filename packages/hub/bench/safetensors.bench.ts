/**
 * Safetensors throughput on a GPT-2-small-shaped checkpoint (124M parameters, random values):
 * atomic write and full read-back as F32, F16 and BF16. Prints MB/s and peak RSS.
 * Run: pnpm --filter @gptft/hub bench
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '../src/index.js';

function gpt2SmallShapes(): Record<string, number[]> {
  const d = 768;
  const shapes: Record<string, number[]> = { 'wte.weight': [50257, d], 'wpe.weight': [1024, d] };
  for (let i = 0; i < 12; i++) {
    const p = `h.${i}.`;
    Object.assign(shapes, {
      [`${p}ln_1.weight`]: [d],
      [`${p}ln_1.bias`]: [d],
      [`${p}attn.c_attn.weight`]: [d, 3 * d],
      [`${p}attn.c_attn.bias`]: [3 * d],
      [`${p}attn.c_proj.weight`]: [d, d],
      [`${p}attn.c_proj.bias`]: [d],
      [`${p}ln_2.weight`]: [d],
      [`${p}ln_2.bias`]: [d],
      [`${p}mlp.c_fc.weight`]: [d, 4 * d],
      [`${p}mlp.c_fc.bias`]: [4 * d],
      [`${p}mlp.c_proj.weight`]: [4 * d, d],
      [`${p}mlp.c_proj.bias`]: [d],
    });
  }
  shapes['ln_f.weight'] = [d];
  shapes['ln_f.bias'] = [d];
  return shapes;
}

let peakRss = 0;
const sample = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const dir = await mkdtemp(join(tmpdir(), 'gptft-hub-bench-'));
try {
  const shapes = gpt2SmallShapes();
  let seed = 1;
  const tensors: Record<string, Float32Array> = {};
  let params = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = (seed / 2 ** 32 - 0.5) * 0.4;
    }
    tensors[name] = data;
    params += n;
  }
  console.log(
    `GPT-2-small shape: ${(params / 1e6).toFixed(1)}M parameters, ${Object.keys(shapes).length} tensors`,
  );
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    const path = join(dir, `model-${dtype}.safetensors`);
    const toWrite: Record<string, TensorToWrite> = {};
    for (const [name, data] of Object.entries(tensors)) toWrite[name] = { dtype, shape: shapes[name]!, data };
    let t = performance.now();
    await writeSafetensors(path, toWrite, { format: 'pt' });
    const writeMs = performance.now() - t;
    const bytes = (await stat(path)).size;
    t = performance.now();
    const f = await SafetensorsFile.open(path);
    let checksum = 0;
    for (const name of f.names()) checksum += f.getFloat32(name)[0]!;
    const readMs = performance.now() - t;
    const mb = bytes / 2 ** 20;
    console.log(
      `${dtype.padEnd(4)} ${mb.toFixed(0)} MB: write ${writeMs.toFixed(0)} ms (${((mb / writeMs) * 1000).toFixed(0)} MB/s), ` +
        `open + getFloat32 all ${readMs.toFixed(0)} ms (${(((params / readMs) * 1000) / 1e6).toFixed(0)} M values/s) [${checksum.toFixed(3)}]`,
    );
    await rm(path);
  }
} finally {
  clearInterval(sample);
  await rm(dir, { recursive: true, force: true });
}
console.log(
  `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB (the 124M float32 source arrays alone are 475 MB)`,
);
