/**
 * BPE training speed: trainByteLevelBpe on a corpus split into lines (default: the Sherlock Holmes
 * fixture, 574 kB; BENCH_TEXT=path for another, e.g. ../shared/data/tiny-shakespeare/input.txt),
 * for a few vocabulary sizes. Prints corpus MB/s, merges/s, trained tokens/s of the result on the
 * corpus, and peak memory.
 *
 *   pnpm --filter @gptft/tokenizer bench
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trainByteLevelBpe } from '../src/index.js';

const path = process.env.BENCH_TEXT ?? fileURLToPath(new URL('../test/fixtures/pg1661.txt', import.meta.url));
const text = readFileSync(path, 'utf8');
const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
const mb = Buffer.byteLength(text) / 1e6;
let peakRss = 0;
const timer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);

console.log(`corpus: ${path} (${mb.toFixed(2)} MB, ${lines.length} lines)`);
for (const vocabSize of [1000, 4000, 16000]) {
  const t0 = performance.now();
  const tok = await trainByteLevelBpe(lines, { vocabSize });
  const s = (performance.now() - t0) / 1000;
  const merges = tok.merges.length;
  const t1 = performance.now();
  const ids = tok.encode(text);
  const e = (performance.now() - t1) / 1000;
  console.log(
    `vocab ${String(vocabSize).padStart(5)}: trained in ${s.toFixed(2)} s (${(mb / s).toFixed(2)} MB/s, ` +
      `${Math.round(merges / s)} merges/s, ${merges} merges); corpus = ${ids.length} tokens, ` +
      `encoded at ${(ids.length / e / 1e6).toFixed(2)} M tok/s`,
  );
}
clearInterval(timer);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
