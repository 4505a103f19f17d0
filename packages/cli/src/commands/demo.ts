import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { type ChatFactsReply, type ChatFactsResult, chatFactsOfModel } from '../chat-facts.js';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';
import { SEED_RANGE } from '../training-options.js';
import { writeReport } from '../report.js';
import { readShopFacts } from '../shop/facts.js';
import { generateShopConversations, writeShopConversations } from '../shop/generate.js';
import { chat } from './chat.js';
import { type SftResult, sft, sftCommand } from './sft.js';

/** The repository root (the demo's bundled model and shop facts live there). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const TINY_BASE = join(REPO_ROOT, 'models/tiny-base');
const SHOP_FACTS = join(REPO_ROOT, 'data/shop/shop.json');

/**
 * LoRA SFT settings of the demo: for a small local model such as the bundled one, and for a real
 * GPT-2. The bundled base reserved the ChatML tokens but never saw them, so its embeddings (tied
 * to the output layer) train in full with the adapter (PEFT `modules_to_save`, as TRL advises when
 * chat tokens are new): with LoRA alone it learned nothing of the shop in 100 steps (validation
 * loss 7.04 → 4.77, no fact right), with the embeddings the loss fell to 1.52 in 50.
 */
function sftArgs(tiny: boolean): string[] {
  const tinyArgs =
    '--peft lora --lora-r 16 --lora-alpha 32 --lora-dropout 0 --lora-target-modules c_attn c_proj c_fc --modules-to-save wte --learning-rate 6e-3 --per-device-train-batch-size 8 --max-seq-length 128 --warmup-ratio 0.05 --lr-scheduler-type cosine --logging-steps 10 --eval-steps 150';
  // GPT-2 sizes on wasm (4 GiB heap, 50k-token logits): small batches, recomputed blocks.
  const gpt2Args =
    '--peft lora --lora-r 8 --lora-alpha 16 --lora-target-modules c_attn --learning-rate 3e-4 --per-device-train-batch-size 2 --gradient-accumulation-steps 2 --per-device-eval-batch-size 2 --max-seq-length 128 --gradient-checkpointing --logging-steps 5 --eval-steps 20';
  return (tiny ? tinyArgs : gpt2Args).split(' ');
}

/** `gptft demo`: the main job, a base model becomes a shop's assistant, scored on facts before and after. */
export function demoCommand(): Command {
  const cmd = new Command('demo')
    .summary(
      'the whole story: a base model becomes a shop assistant (LoRA SFT), fact accuracy before/after, report, chat',
    )
    .description(
      'Generates conversations about a fictional shop from its facts (data/shop/shop.json: products, prices, stock, opening hours, shipping, returns, payment, orders, contact; edit it or pass --facts), with the validation and test questions phrased unlike any training question. Scores the base model (default: models/tiny-base, a GPT-2 that gptft pretrain trained on public-domain novels) on the test questions — fact accuracy: the share of greedy replies that state the expected fact — fine-tunes it with LoRA SFT (ChatML, loss on the assistant replies only), scores it again, prints held-out questions with the replies before and after, writes report.html and, when run in a terminal, opens gptft chat on the result. Offline on the embedded wasm backend in about ten minutes on two cores. --model gpt2 (or any hub id or folder) uses that model instead (network needed for hub ids). With --json: one JSON object (fact_accuracy_before/after, eval_loss_before/after, seconds, output_dir, …) and no chat.',
    );
  addOptions(cmd, [
    {
      name: 'model',
      type: 'string',
      placeholder: 'dir|id',
      description: 'base model (default: the bundled models/tiny-base)',
    },
    {
      name: 'facts',
      type: 'string',
      placeholder: 'file',
      description: 'the shop’s facts (default: the bundled data/shop/shop.json)',
    },
    {
      name: 'output-dir',
      type: 'string',
      placeholder: 'dir',
      description: 'where the conversations (data/), the adapter, the tokenizer and report.html go',
      default: 'models/demo-chat',
    },
    {
      name: 'max-steps',
      type: 'int',
      description:
        'optimizer steps (default: 450 for a small local model such as the bundled one, 60 for others)',
      range: { min: 1 },
    },
    {
      name: 'max-eval-samples',
      type: 'int',
      description: 'score only the first N test conversations (default: all)',
      range: { min: 1 },
    },
    {
      name: 'samples',
      type: 'int',
      description: 'held-out questions shown before and after',
      default: 5,
      range: { min: 0 },
    },
    {
      name: 'seed',
      type: 'int',
      description: 'seed of the conversations, LoRA init, data order and dropout',
      default: 42,
      range: SEED_RANGE,
    },
    {
      name: 'write-data',
      type: 'string',
      placeholder: 'dir',
      description: 'only write the generated train/validation/test conversations into dir, and stop',
    },
    {
      name: 'chat',
      type: 'boolean',
      description: 'do not open gptft chat at the end (it opens only in a terminal anyway)',
      default: true,
    },
  ]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => {
    await demo(await resolveOptions(c));
  });
  return cmd;
}

/** A local folder whose config is small (≤ 512 wide, ≤ 8 layers, vocabulary ≤ 16k): it gets the tiny-model settings. */
function isSmallLocalModel(model: string): boolean {
  try {
    const cfg = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')) as {
      n_embd?: number;
      n_layer?: number;
      vocab_size?: number;
    };
    return (cfg.n_embd ?? 768) <= 512 && (cfg.n_layer ?? 12) <= 8 && (cfg.vocab_size ?? 50257) <= 16384;
  } catch {
    return false;
  }
}

/** A reply on one line (runs of whitespace shown as one space), cut at `max` characters. */
function oneLine(reply: string, max = 110): string {
  const s = reply.replace(/\s+/g, ' ').trim() || '(empty reply)';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const expectedText = (e: string | readonly string[]) => (typeof e === 'string' ? e : e.join(' + '));

/** Up to `n` test questions of different kinds (first of each kind in test order), for the before/after table. */
export function pickSamples(replies: readonly ChatFactsReply[], n: number): number[] {
  const picked: number[] = [];
  const kinds = new Set<string>();
  for (const [i, r] of replies.entries()) {
    if (picked.length >= n) break;
    const k = r.kind ?? String(i);
    if (kinds.has(k)) continue;
    kinds.add(k);
    picked.push(i);
  }
  return picked;
}

/** What `demo` returns (and prints with `--json`, in snake_case). */
export interface DemoResult {
  outputDir: string;
  report: string;
  sft: SftResult;
  before: ChatFactsResult;
  after: ChatFactsResult;
  evalLossBefore: number | undefined;
  evalLossAfter: number | undefined;
  seconds: number;
  samples: number[];
}

export async function demo(opts: Record<string, unknown>): Promise<DemoResult | undefined> {
  const ctx = new Context(opts);
  const t0 = performance.now();
  const show = (p: string) => {
    const r = relative(process.cwd(), resolve(p));
    return r === '' || r.startsWith('..') ? p : r;
  };
  const factsFile = (opts.facts as string | undefined) ?? SHOP_FACTS;
  const shop = await readShopFacts(factsFile);
  const seed = opts.seed as number;
  const splits = generateShopConversations(shop, { seed });
  if (opts.writeData !== undefined) {
    const files = await writeShopConversations(opts.writeData as string, splits);
    ctx.result(
      {
        files,
        train: splits.train.length,
        validation: splits.validation.length,
        test: splits.test.length,
      },
      () =>
        `wrote ${splits.train.length} training, ${splits.validation.length} validation and ${splits.test.length} test conversations to ${show(opts.writeData as string)} (from ${show(factsFile)}, seed ${seed})`,
    );
    return undefined;
  }

  const model = (opts.model as string | undefined) ?? TINY_BASE;
  const tiny = isSmallLocalModel(model);
  if (resolve(model) === TINY_BASE && !existsSync(join(TINY_BASE, 'model.safetensors'))) {
    throw new CliError(
      `the bundled base model is missing: ${TINY_BASE}`,
      'run from a full checkout of the repository, or pass --model gpt2',
    );
  }
  const maxSteps = (opts.maxSteps as number | undefined) ?? (tiny ? 450 : 60);
  const outputDir = opts.outputDir as string;
  const backend = opts.backend as string;
  if (resolve(model) === TINY_BASE) {
    const readme = join(TINY_BASE, 'README.md');
    const ppl = existsSync(readme)
      ? /validation perplexity[^\d]*([\d.]+)/i.exec(readFileSync(readme, 'utf8'))?.[1]
      : undefined;
    ctx.print(
      `1. Base model: ${show(TINY_BASE)} — a small GPT-2 that \`gptft pretrain\` trained from scratch${ppl ? ` (validation perplexity ${ppl})` : ''}; it has never seen a chat. Recipe: ${show(join(TINY_BASE, 'README.md'))}.`,
    );
  } else ctx.print(`1. Base model: ${model}`);

  const files = await writeShopConversations(join(outputDir, 'data'), splits);
  ctx.print(
    `2. Task: the assistant of ${shop.name}. From ${show(factsFile)} (${shop.products.length} products, opening hours, shipping, returns, payment, ${shop.orders.length} orders, contact) the generator wrote ${splits.train.length} training, ${splits.validation.length} validation and ${splits.test.length} test conversations to ${show(join(outputDir, 'data'))}; the validation and test questions are phrased unlike any training question.`,
  );

  const maxSamples = opts.maxEvalSamples as number | undefined;
  const progress = (what: string) => {
    let last = -1;
    return (done: number, total: number) => {
      const quarter = Math.floor((4 * done) / total);
      if (quarter !== last && (quarter > last || done === total)) {
        last = quarter;
        ctx.log(`${what}: ${done}/${total} test questions answered`);
      }
    };
  };
  const scoreOptions = (what: string) => ({
    ...(maxSamples !== undefined && { maxSamples }),
    onProgress: progress(what),
  });
  await selectBackend(ctx, backend);
  const before = await chatFactsOfModel(model, [files.test], scoreOptions('base model'));
  ctx.print(
    `3. Before fine-tuning: fact accuracy ${pct(before.fact_accuracy)} (${before.correct} of ${before.total} held-out test questions answered with the right fact).`,
  );

  const samples = pickSamples(before.replies, Math.max(0, opts.samples as number));
  const args = [
    '--model',
    model,
    '--data',
    files.train,
    '--validation-data',
    files.validation,
    '--output-dir',
    outputDir,
    '--max-steps',
    String(maxSteps),
    '--seed',
    String(seed),
    '--backend',
    backend,
    '--save-strategy',
    'no',
    '--sample-prompt',
    before.replies[samples[0] ?? 0]!.question,
    ...sftArgs(tiny),
    ...(opts.verbose ? ['--verbose'] : []),
  ];
  if (opts.config !== undefined) args.push('--config', opts.config as string);
  const cmd = sftCommand();
  let result: SftResult | undefined;
  let loraR: unknown;
  cmd.exitOverride();
  cmd.action(async (_o, c: Command) => {
    const sftOpts = await resolveOptions(c);
    loraR = sftOpts.loraR;
    ctx.print(
      `4. Fine-tuning: LoRA (r=${sftOpts.loraR}) SFT on the training conversations, ChatML template, loss on the assistant replies only, ${maxSteps} steps. Progress on stderr.`,
    );
    result = await sft(sftOpts, ctx);
  });
  await cmd.parseAsync(args, { from: 'user' });
  if (!result) throw new CliError('the fine-tuning did not run');
  const r = result;

  const after = await chatFactsOfModel(r.chatModel, [files.test], scoreOptions('fine-tuned model'));
  const evalLossBefore = r.summary.logHistory.find((e) => e.eval_loss !== undefined)?.eval_loss;
  const evalLossAfter = r.summary.evalLoss;
  const seconds = (performance.now() - t0) / 1000;

  ctx.print(
    `\n5. Held-out test questions before and after fine-tuning (greedy decoding; ✓ = states the expected fact):`,
  );
  for (const i of samples) {
    const b = before.replies[i]!;
    const a = after.replies[i]!;
    ctx.print(`\nuser:     ${b.question}`);
    ctx.print(`expected: ${expectedText(b.expected)}`);
    ctx.print(`before: ${b.correct ? '✓' : '✗'} ${oneLine(b.reply)}`);
    ctx.print(`after:  ${a.correct ? '✓' : '✗'} ${oneLine(a.reply)}`);
  }
  const kinds = Object.keys(after.by_kind);
  const kindLine = kinds
    .map((k) => `${k} ${after.by_kind[k]!.correct}/${after.by_kind[k]!.total}`)
    .join(', ');
  ctx.print(
    `\n6. Fact accuracy on ${after.total} held-out test questions: ${pct(before.fact_accuracy)} before → ${pct(after.fact_accuracy)} after fine-tuning.`,
  );
  if (kinds.length > 0) ctx.print(`   By kind (after): ${kindLine}.`);
  ctx.print(
    `   Validation loss ${evalLossBefore?.toFixed(3) ?? '?'} → ${evalLossAfter?.toFixed(3) ?? '?'}; ${r.summary.tokensPerSecond.toFixed(0)} tokens/s; done in ${(seconds / 60).toFixed(1)} min.`,
  );

  const report = await writeReport(ctx, {
    title: `gptft demo: the assistant of ${shop.name}`,
    model: `${model} + LoRA r=${String(loraR)}`,
    outputDir,
    summary: r.summary,
    metrics: {
      fact_accuracy_before: before.fact_accuracy,
      fact_accuracy_after: after.fact_accuracy,
      test_questions: after.total,
    },
    samples: samples.map((i) => ({
      prompt: `${before.replies[i]!.question}  (expected: ${expectedText(before.replies[i]!.expected)})`,
      before: before.replies[i]!.reply,
      after: after.replies[i]!.reply,
    })),
    settings: { ...opts, model, facts: factsFile, maxSteps },
  });
  ctx.print(`   Report: ${show(report)}   Adapter + tokenizer: ${show(r.outputDir)}`);
  ctx.print(
    `   Score it again: npx --yes pnpm@10.34.8 gptft eval --task chat-facts --model ${show(r.outputDir)} --data ${show(files.test)}`,
  );
  ctx.print(`   Chat with it:   npx --yes pnpm@10.34.8 gptft chat --model ${show(r.outputDir)}`);
  ctx.result({
    fact_accuracy_before: before.fact_accuracy,
    fact_accuracy_after: after.fact_accuracy,
    eval_loss_before: evalLossBefore ?? null,
    eval_loss_after: evalLossAfter ?? null,
    seconds,
    output_dir: r.outputDir,
    report,
    test_questions: after.total,
    correct_before: before.correct,
    correct_after: after.correct,
    by_kind_before: before.by_kind,
    by_kind_after: after.by_kind,
    steps: r.summary.globalStep,
    train_loss: r.summary.trainingLoss,
    tokens_per_second: r.summary.tokensPerSecond,
    data: files,
    samples: samples.map((i) => ({
      question: before.replies[i]!.question,
      expected: before.replies[i]!.expected,
      before: before.replies[i]!.reply,
      after: after.replies[i]!.reply,
      correct_before: before.replies[i]!.correct,
      correct_after: after.replies[i]!.correct,
    })),
  });
  if (opts.chat !== false && !ctx.json && process.stdin.isTTY && process.stdout.isTTY) {
    ctx.print('\nOpening gptft chat on the result (/exit to leave):');
    await chat({ model: r.outputDir, backend, maxNewTokens: 64 });
  }
  return {
    outputDir: r.outputDir,
    report,
    sft: r,
    before,
    after,
    evalLossBefore,
    evalLossAfter,
    seconds,
    samples,
  };
}
