/**
 * Decode speed of `generate` with the KV cache, GPT-2-small shape (12 layers, 768 wide, 12 heads,
 * vocab 50257, 1024 positions; random init from the gpt2 config — no weights offline), greedy,
 * batch 1 and batch 8, on the wasm backend.
 *
 * Prints tokens/s end to end (prompt prefill + decoding), tokens/s of decoding alone (the time of a
 * 1-token run, i.e. prefill + first token, subtracted), and peak memory: the process' peak RSS
 * (kernel maxRSS) and tfjs' peak bytes, sampled every step. Medians over GPTFT_BENCH_REPS runs.
 *
 *   pnpm --filter @gptft/heads bench          (GPTFT_BENCH_NEW=64 GPTFT_BENCH_PROMPT=16 GPTFT_BENCH_REPS=3)
 *   /usr/bin/python3 bench/reference_decode.py (the PyTorch reference, same shapes)
 */
import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { median, randomIds } from '@gptft/backend/bench';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { GPT2LMHeadModel, generate, type LogitsProcessor } from '../src/index.js';

const backend = await useBackend('wasm');
const NEW = Number(process.env.GPTFT_BENCH_NEW ?? 64);
const PROMPT = Number(process.env.GPTFT_BENCH_PROMPT ?? 16);
const REPS = Number(process.env.GPTFT_BENCH_REPS ?? 3);
const MB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

let tfPeak = 0;
const sampleMemory: LogitsProcessor = {
  process(_ids, scores) {
    tfPeak = Math.max(tfPeak, tf.memory().numBytes);
    return scores;
  },
};

const config = new GPT2Config({ nLayer: 12, nEmbd: 768, nHead: 12, vocabSize: 50257, nPositions: 1024 });
const model = new GPT2LMHeadModel(new GPT2Model(config, { seed: 1 })).eval();
console.log(
  `backend ${backend.name} (${backend.reason}); GPT-2 small shape, random init, ` +
    `${model.transformer.numParameters().toLocaleString('en-US')} parameters; prompt ${PROMPT}, ${NEW} new tokens, greedy, KV cache`,
);

const rows: string[][] = [];
for (const batch of [1, 8]) {
  const ids = randomIds(batch, PROMPT, config.vocabSize, 7 + batch);
  const opts = { eosTokenId: null, logitsProcessors: [sampleMemory] };
  const time = (n: number) => {
    const t0 = performance.now();
    generate(model, ids, { ...opts, maxNewTokens: n });
    return (performance.now() - t0) / 1000;
  };
  time(2); // warm-up: kernel set-up, XNNPACK weight packing
  tfPeak = 0;
  const prefill = median(Array.from({ length: REPS }, () => time(1)));
  const full = median(Array.from({ length: REPS }, () => time(NEW)));
  const endToEnd = (batch * NEW) / full;
  const decodeOnly = (batch * (NEW - 1)) / (full - prefill);
  const rss = process.resourceUsage().maxRSS * 1024;
  const row = [
    `batch ${batch}`,
    `${endToEnd.toFixed(1)} tok/s`,
    `${decodeOnly.toFixed(1)} tok/s`,
    `${((1000 * (full - prefill)) / (NEW - 1)).toFixed(1)} ms`,
    `${(prefill * 1000).toFixed(0)} ms`,
    MB(rss),
    MB(tfPeak),
  ];
  rows.push(row);
  console.log(row.join('  '));
}
model.dispose();
console.log(
  '\n| batch | tokens/s (end to end) | tokens/s (decode only) | ms per step | prefill + 1st token | peak RSS | tfjs peak |\n|---|---|---|---|---|---|---|',
);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
