/**
 * Encoding throughput on a novel (The Adventures of Sherlock Holmes, 574 kB, 158 395 tokens):
 * this package's own BPE vs gpt-tokenizer's r50k, cold cache and warm, whole text and line by
 * line, plus offsets, batching and decoding. Prints tokens/s and peak memory.
 *
 *   pnpm --filter @gptft/tokenizer bench            (BENCH_TEXT=path to use another text)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import r50k from 'gpt-tokenizer/encoding/r50k_base';
import { GPT2Tokenizer } from '../src/index.js';

const path = process.env.BENCH_TEXT ?? fileURLToPath(new URL('../test/fixtures/pg1661.txt', import.meta.url));
const text = readFileSync(path, 'utf8');
const lines = text.split('\n');
let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const timer = setInterval(sample, 5);

function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  sample();
  return { ms: performance.now() - t0, result };
}

/** Best of `reps` runs (each with `prepare` first, e.g. to clear caches). */
function best(reps: number, prepare: () => void, fn: () => number): { ms: number; tokens: number } {
  let ms = Number.POSITIVE_INFINITY;
  let tokens = 0;
  for (let i = 0; i < reps; i++) {
    prepare();
    const r = time(fn);
    ms = Math.min(ms, r.ms);
    tokens = r.result;
  }
  return { ms, tokens };
}

const rows: [string, string, string][] = [];
const report = (name: string, r: { ms: number; tokens: number }) => {
  rows.push([name, `${(r.tokens / (r.ms / 1000) / 1e6).toFixed(2)} M tok/s`, `${r.ms.toFixed(1)} ms`]);
};

const heap0 = process.memoryUsage().heapUsed;
const setup = time(() => GPT2Tokenizer.gpt2());
const own = setup.result;
const firstEncode = time(() => own.encode('the first encode derives the merges and builds the BPE tables'));
const heapOne = process.memoryUsage().heapUsed - heap0;
const again = time(() => GPT2Tokenizer.gpt2());
const viaGt = GPT2Tokenizer.gpt2({ engine: 'gpt-tokenizer' });
const plain = { disallowedSpecial: new Set<string>() };
const ownBpe = (own as unknown as { bpe: { clearCache(): void } }).bpe;
const REPS = 5;

report(
  'own BPE, whole text, cold cache',
  best(
    REPS,
    () => ownBpe.clearCache(),
    () => own.encode(text).length,
  ),
);
report(
  'own BPE, whole text, warm cache',
  best(
    REPS,
    () => {},
    () => own.encode(text).length,
  ),
);
report(
  'gpt-tokenizer r50k, whole text, cold cache',
  best(
    REPS,
    () => r50k.clearMergeCache(),
    () => r50k.encode(text, plain).length,
  ),
);
report(
  'gpt-tokenizer r50k, whole text, warm cache',
  best(
    REPS,
    () => {},
    () => r50k.encode(text, plain).length,
  ),
);
report(
  "GPT2Tokenizer engine 'gpt-tokenizer', warm",
  best(
    REPS,
    () => {},
    () => viaGt.encode(text).length,
  ),
);
report(
  'own BPE, line by line, warm',
  best(
    REPS,
    () => {},
    () => lines.reduce((n, l) => n + own.encode(l).length, 0),
  ),
);
report(
  'gpt-tokenizer r50k, line by line, warm',
  best(
    REPS,
    () => {},
    () => lines.reduce((n, l) => n + r50k.encode(l, plain).length, 0),
  ),
);
report(
  'encodeWithOffsets, whole text, warm',
  best(
    REPS,
    () => {},
    () => own.encodeWithOffsets(text).ids.length,
  ),
);
report(
  'call(lines, padding + truncation 128), warm',
  best(
    REPS,
    () => {},
    () => {
      const b = own.call(lines, { padding: true, truncation: true, maxLength: 128 });
      return b.attentionMask.reduce((n, m) => n + m.reduce((x, y) => x + y, 0), 0);
    },
  ),
);
const ids = own.encode(text);
report(
  'decode, whole text',
  best(
    REPS,
    () => {},
    () => (own.decode(ids).length === text.length ? ids.length : 0),
  ),
);

clearInterval(timer);
sample();
console.log(
  `text: ${path} (${text.length} chars, ${ids.length} tokens, ${lines.length} lines), node ${process.version}`,
);
console.log(
  `GPT2Tokenizer.gpt2(): ${setup.ms.toFixed(0)} ms (vocabulary from gpt-tokenizer's r50k), first encode ${firstEncode.ms.toFixed(0)} ms (merges derived, BPE tables built), a second gpt2() ${again.ms.toFixed(0)} ms; heap of one tokenizer ≈ ${(heapOne / 2 ** 20).toFixed(0)} MiB`,
);
const width = Math.max(...rows.map((r) => r[0].length));
for (const [name, rate, ms] of rows)
  console.log(`${name.padEnd(width)}  ${rate.padStart(14)}  (${ms}, best of ${REPS})`);
console.log(`peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
