/**
 * Reader and collator throughput. Run with `pnpm bench` (tsx). Writes temporary files only.
 * Prints MB/s and records/s per format (plain and gzip), collator tokens/s, and peak RSS.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { causalLMCollator, packExamples, readRecords, streamFiles, textLabelRecord } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gptft-datasets-bench-'));
let peakRss = process.memoryUsage().rss;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

async function write(name: string, n: number, line: (i: number) => string, gzip: boolean): Promise<string> {
  const path = join(dir, name);
  async function* gen(): AsyncGenerator<string> {
    let batch: string[] = [];
    for (let i = 0; i < n; i++) {
      batch.push(line(i));
      if (batch.length === 10_000) {
        yield batch.join('');
        batch = [];
      }
    }
    if (batch.length) yield batch.join('');
  }
  if (gzip) await pipeline(gen, createGzip({ level: 1 }), createWriteStream(path));
  else await pipeline(gen, createWriteStream(path));
  return path;
}

function uncompressedBytes(n: number, line: (i: number) => string): number {
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += Buffer.byteLength(line(i));
  return bytes;
}

async function time(label: string, bytes: number, run: () => Promise<number>): Promise<void> {
  const t0 = performance.now();
  const records = await run();
  const s = (performance.now() - t0) / 1000;
  sample();
  console.log(
    `${label.padEnd(34)} ${(bytes / 2 ** 20 / s).toFixed(1).padStart(7)} MB/s  ${Math.round(records / s)
      .toLocaleString('en')
      .padStart(10)} records/s  (${records.toLocaleString('en')} records, ${s.toFixed(2)} s)`,
  );
}

async function count(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) {
    if (++n % 100_000 === 0) sample();
  }
  return n;
}

const N = 500_000;
const jsonl = (i: number) =>
  `{"text": "record ${i} ${'the quick brown fox jumps over the lazy dog '.repeat(2)}", "label": ${i % 2}}\n`;
const tsv = (i: number) =>
  i === 0 ? 'label\ttext\n' : `${i % 2}\trecord ${i} ${'the quick brown fox '.repeat(4)}\n`;
const conllu = (i: number) =>
  i % 11 === 10 ? '\n' : `${(i % 11) + 1}\tword${i}\tlemma\tNOUN\tNN\t_\t0\troot\t_\t_\n`;

console.log(
  `@gptft/datasets read benchmark (Node ${process.version}, ${N.toLocaleString('en')} lines per file)`,
);
for (const gzip of [false, true]) {
  const ext = gzip ? '.gz' : '';
  const j = await write(`a.jsonl${ext}`, N, jsonl, gzip);
  const t = await write(`a.tsv${ext}`, N, tsv, gzip);
  const c = await write(`a.conllu${ext}`, N, conllu, gzip);
  const tag = gzip ? ' (gzip)' : '';
  await time(`JSONL${tag}`, uncompressedBytes(N, jsonl), () => count(readRecords(j)));
  await time(`JSONL + zod textLabelRecord${tag}`, uncompressedBytes(N, jsonl), () =>
    count(streamFiles([j], { schema: textLabelRecord })),
  );
  await time(`TSV${tag}`, uncompressedBytes(N, tsv), () => count(readRecords(t)));
  await time(`CoNLL-U${tag}`, uncompressedBytes(N, conllu), () => count(readRecords(c)));
  if (gzip)
    console.log(
      `  (gzip sizes: ${[j, t, c].map((p) => `${(statSync(p).size / 2 ** 20).toFixed(1)} MiB`).join(', ')})`,
    );
}

// Collators: 1,000 batches of 8 examples of 100–512 tokens; packing 10,000 documents into 1024-blocks.
{
  const examples = Array.from({ length: 8000 }, (_, i) => ({
    inputIds: Array.from({ length: 100 + ((i * 7919) % 413) }, (_, t) => (i + t) % 50257),
  }));
  const collate = causalLMCollator({ padTokenId: 50256 });
  const t0 = performance.now();
  let tokens = 0;
  for (let b = 0; b < examples.length; b += 8) tokens += collate(examples.slice(b, b + 8)).numTokens;
  const s = (performance.now() - t0) / 1000;
  console.log(
    `causalLMCollator (batch 8, ≤512)    ${Math.round(tokens / s)
      .toLocaleString('en')
      .padStart(12)} tokens/s`,
  );
  const t1 = performance.now();
  let packed = 0;
  for (const block of packExamples(examples, { blockSize: 1024, eosTokenId: 50256 }))
    packed += block.inputIds.length;
  const s1 = (performance.now() - t1) / 1000;
  console.log(
    `packExamples (1024, isolated docs)  ${Math.round(packed / s1)
      .toLocaleString('en')
      .padStart(12)} tokens/s`,
  );
}
sample();
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
rmSync(dir, { recursive: true, force: true });
