import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packExamplesAsync, streamFiles, textLabelRecord } from '../src/index.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const LINES = 2_000_000;
let path = '';
let uncompressed = 0;

/** Writes LINES JSONL records (~128 bytes each) through gzip without holding them in memory. */
beforeAll(async () => {
  path = join(tmp.dir, 'big.jsonl.gz');
  async function* lines(): AsyncGenerator<string> {
    let batch: string[] = [];
    for (let i = 1; i <= LINES; i++) {
      const line = `{"text": "record ${i} ${'lorem ipsum dolor sit amet '.repeat(3)}", "label": ${i % 2}, "pad": "${(i * 2654435761) >>> 0}"}\n`;
      uncompressed += line.length;
      batch.push(line);
      if (batch.length === 10_000) {
        yield batch.join('');
        batch = [];
      }
    }
    if (batch.length) yield batch.join('');
  }
  await pipeline(lines, createGzip({ level: 1 }), createWriteStream(path));
});

describe('streaming a large gzip file', () => {
  it('reads every record with bounded memory (far less than the file holds)', async () => {
    expect(uncompressed).toBeGreaterThan(250 * 2 ** 20);
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    let count = 0;
    let ones = 0;
    let lastLine = 0;
    for await (const rec of streamFiles([path], { schema: textLabelRecord }).located()) {
      count++;
      ones += rec.value.label as number;
      lastLine = rec.line;
      if (count % 50_000 === 0) {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }
    }
    expect(count).toBe(LINES);
    expect(lastLine).toBe(LINES);
    expect(ones).toBe(LINES / 2);
    const rssGrowth = (peakRss - before.rss) / 2 ** 20;
    const heapGrowth = (peakHeap - before.heapUsed) / 2 ** 20;
    console.log(
      `streamed ${LINES} records, ${(uncompressed / 2 ** 20).toFixed(0)} MiB uncompressed ` +
        `(${(statSync(path).size / 2 ** 20).toFixed(1)} MiB gzip): peak RSS +${rssGrowth.toFixed(1)} MiB, heap +${heapGrowth.toFixed(1)} MiB`,
    );
    // Holding the records would take several times the file size (UTF-16 strings, objects); a
    // streaming reader stays well under it even when a loaded machine delays garbage collection
    // (seen: RSS +128 MiB, heap +55 MiB under CI load, for a 269 MiB file).
    const fileMiB = uncompressed / 2 ** 20;
    expect(rssGrowth).toBeLessThan(0.6 * fileMiB);
    expect(heapGrowth).toBeLessThan(0.4 * fileMiB);
  });

  it('packs a stream lazily', async () => {
    const docs = streamFiles([path])
      .take(1000)
      .map((r) => ({
        inputIds: Array.from((r as { text: string }).text.slice(0, 20), (c) => c.charCodeAt(0)),
      }));
    let blocks = 0;
    for await (const block of packExamplesAsync(docs, { blockSize: 64, eosTokenId: 0 })) {
      expect(block.inputIds).toHaveLength(64);
      blocks++;
    }
    // 1000 documents of 20 ids + 1 EOS = 21,000 tokens → 328 full blocks of 64.
    expect(blocks).toBe(328);
  });
});
