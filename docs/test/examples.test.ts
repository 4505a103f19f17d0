import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatFactsOfModel } from '@gptft/cli';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { describe, expect, it, vi } from 'vitest';
import { main as backendSmoke } from '../examples/backend-smoke.js';
import { chatFacts } from '../examples/chat-facts.js';
import { chatSft } from '../examples/chat-sft.js';
import { datasetsAndCollators } from '../examples/datasets-collators.js';
import { TINY_GPT2 } from '../examples/fixture.js';
import { loadAndGenerate } from '../examples/load-and-generate.js';
import { loraTrainer } from '../examples/lora-trainer.js';
import { metricsTour } from '../examples/metrics.js';
import { pipelinesTour } from '../examples/pipelines.js';
import { sequenceClassification } from '../examples/sequence-classification.js';
import { tokenizerTour } from '../examples/tokenizer.js';

// PyTorch's numbers for the tiny fixture model (fixtures/gpt2-tiny-ref/expected.json).
const expected = JSON.parse(await readFile(join(TINY_GPT2, '../expected.json'), 'utf8')) as {
  greedy: { prompt: string; prompt_ids: number[]; greedy_ids: number[] }[];
};
const quiet = () => {};

describe('docs examples run', () => {
  it('backend-smoke computes sum((x·W)²) and its gradient', async () => {
    const lines: string[] = [];
    const loss = await backendSmoke((l) => lines.push(l));
    // x·W = [[-0.5, 6], [0.25, 12]] → 0.25 + 36 + 0.0625 + 144 (hand-computed)
    expect(loss).toBeCloseTo(180.3125, 4);
    // dL/dW = 2·xᵀ·(x·W) = 2·[[1,4],[2,5],[3,6]]·[[-0.5,6],[0.25,12]] (hand-computed)
    expect(lines.join('\n')).toContain('d/dW = [1,108,0.5,144,0,180]');
    expect(lines[0]).toMatch(/^backend: wasm/);
  });

  it('load-and-generate: greedy ids are PyTorch/transformers greedy ids; save → folder transformers reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docs-load-'));
    try {
      const log = console.log;
      console.log = quiet;
      const out = await loadAndGenerate(TINY_GPT2, dir).finally(() => {
        console.log = log;
      });
      const ref = expected.greedy.find((g) => g.prompt === 'Hello, my name is')!;
      expect(out.prompt).toEqual(ref.prompt_ids);
      expect(out.greedy.slice(out.prompt.length)).toEqual(ref.greedy_ids.slice(0, 10));
      expect(out.sampled).toHaveLength(15);
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      expect(config.architectures).toEqual(['GPT2LMHeadModel']);
      expect(JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'))).toBeTypeOf('object');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sequence-classification: a new score head, two labelled predictions', async () => {
    const log = console.log;
    console.log = quiet;
    const predicted = await sequenceClassification().finally(() => {
      console.log = log;
    });
    expect(predicted).toHaveLength(2);
    for (const p of predicted) expect(['negative', 'positive']).toContain(p);
  });

  it('lora-trainer: only the adapter trains, and the saved adapter reproduces the logits', async () => {
    const log = console.log;
    console.log = quiet;
    const out = await loraTrainer(TINY_GPT2, undefined, 4).finally(() => {
      console.log = log;
    });
    expect(out.log.map((e) => e.step)).toEqual([2, 4]);
    for (const e of out.log) expect(Number.isFinite(e.loss)).toBe(true);
    for (const [i, v] of out.trained.entries()) expect(out.again[i]).toBeCloseTo(v, 5);
    const config = JSON.parse(await readFile(join(out.adapterDir, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['c_attn'] });
    await rm(join(out.adapterDir, '..'), { recursive: true, force: true });
  });

  it('datasets-collators: shapes, labels and sub-token alignment', async () => {
    const log = console.log;
    console.log = quiet;
    const out = await datasetsAndCollators().finally(() => {
      console.log = log;
    });
    expect(out.clsBatch.shape[0]).toBe(3);
    expect(out.clsBatch.labelsShape).toEqual([3]);
    expect(out.labels.labels).toEqual(['B-location', 'B-person', 'B-product', 'I-location', 'I-person', 'O']);
    // Alice → B-person (1); Kaczmarek → I-person (4) on its first sub-token, -100 on the others.
    const first = out.aligned[0]!.labels;
    expect(first.slice(0, 2)).toEqual([1, 4]);
    expect(first.filter((l) => l !== -100)).toEqual([1, 4, 5, 5, 0, 3]);
    expect(out.tagBatch.labelsShape).toEqual(out.tagBatch.shape);
    expect(out.lm.shape[0]).toBe(2);
    // Causal-LM labels are the ids where the mask is 1, -100 elsewhere.
    out.lm.labels.forEach((l, i) => {
      expect(l).toBe(out.lm.attentionMask[i] ? out.lm.inputIds[i] : -100);
    });
  });

  it('metrics: the values scikit-learn, seqeval, sacreBLEU and rouge-score give', () => {
    const log = console.log;
    console.log = quiet;
    const m = metricsTour();
    console.log = log;
    expect(m.accuracy).toBe(0.6);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo(0.6, 12); // (0.8 + 1 + 0) / 3 by hand
    expect(m.ner.microAvg.f1).toBeCloseTo(2 / 3, 12);
    expect(String(m.bleu)).toBe(
      'BLEU = 45.52 85.7/66.7/40.0/25.0 (BP = 0.931 ratio = 0.933 hyp_len = 14 ref_len = 15)',
    );
    expect(m.rouge.mean.rouge1!.fmeasure).toBeCloseTo(0.9231, 4);
    expect(m.ppl).toBeCloseTo(Math.exp((2 * Math.log(8) + Math.log(2)) / 3), 12);
  });

  it("tokenizer: GPT-2's ids, padding, explicit special tokens, ChatML", async () => {
    const log = console.log;
    console.log = quiet;
    const t = await tokenizerTour().finally(() => {
      console.log = log;
    });
    expect(t.ids).toEqual([15496, 11, 616, 1438, 318]);
    expect(t.sameAsFolder).toEqual(t.ids);
    expect(t.text).toBe('Hello, my name is');
    expect(t.pieces).toEqual(['Hello', 'Ġworld']);
    expect(t.batch.attentionMask).toEqual([
      [1, 1, 1, 1, 1],
      [1, 0, 0, 0, 0],
    ]);
    expect(t.left.inputIds[1]).toEqual([50256, 50256, 50256, 50256, 17250]);
    expect(t.plain).toEqual([64, 27, 91, 437, 1659, 5239, 91, 29, 65]);
    expect(t.special).toEqual([64, 50256, 65]);
    expect(t.prompt).toBe('<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n');
  });

  it('pipelines: generation = PyTorch greedy text, streamed text = PyTorch greedy ids, labelled scores', async () => {
    const log = console.log;
    console.log = quiet;
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const out = await pipelinesTour().finally(() => {
      console.log = log;
      write.mockRestore();
    });
    const tok = GPT2Tokenizer.gpt2();
    const hello = expected.greedy.find((g) => g.prompt === 'Hello, my name is')!;
    expect(out.generated[0]!.generated_text).toBe(
      `Hello, my name is${tok.decode(hello.greedy_ids.slice(0, 5))}`,
    );
    const once = expected.greedy.find((g) => g.prompt === 'Once upon a time')!;
    expect(out.streamed).toBe(tok.decode(once.greedy_ids.slice(0, 8)));
    const scores = out.sentiment.map((r: { score: number }) => r.score);
    expect(out.sentiment.map((r: { label: string }) => r.label).sort()).toEqual([
      'negative',
      'neutral',
      'positive',
    ]);
    expect(scores.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const e of out.entities) expect('John lives in New York'.slice(e.start, e.end)).toBe(e.word);
  });

  it('chat-facts: the library path gives the replies and fact accuracy of gptft eval --task chat-facts', async () => {
    const tinyBase = fileURLToPath(new URL('../../models/tiny-base/', import.meta.url));
    const test = fileURLToPath(new URL('../../data/shop/test.jsonl', import.meta.url));
    const log = console.log;
    console.log = quiet;
    const lib = await chatFacts(tinyBase, undefined, test, 4).finally(() => {
      console.log = log;
    });
    const cli = await chatFactsOfModel(tinyBase, [test], { maxSamples: 4 });
    expect(lib.replies).toEqual(cli.replies.map((r) => r.reply));
    expect(lib.accuracy).toBe(cli.fact_accuracy);
    expect(lib.replies.every((r) => r.length > 0)).toBe(true);
  });

  it('chat-sft: SFT with LoRA on two conversations lowers the loss and changes the reply', async () => {
    const log = console.log;
    console.log = quiet;
    const out = await chatSft(TINY_GPT2, undefined, 10).finally(() => {
      console.log = log;
    });
    expect(out.losses).toHaveLength(2);
    expect(out.losses[1]!).toBeLessThan(out.losses[0]!);
    expect(out.after).not.toBe(out.before);
  });
});
