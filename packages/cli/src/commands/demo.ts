import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Context } from '../context.js';
import { CliError } from '../errors.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';
import { chat } from './chat.js';
import { type SftResult, sft, sftCommand } from './sft.js';

/** The repository root (the demo's bundled model and data live there). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const TINY_BASE = join(REPO_ROOT, 'models/tiny-base');
const CHAT_DATA = [
  join(REPO_ROOT, 'data/chat/dummy_conversation.json'),
  join(REPO_ROOT, 'data/chat/self-instruct-seed-chat.jsonl'),
];

/** The exchanges shown before and after fine-tuning. */
export const DEMO_PROMPTS = [
  'Who are you?',
  'Hello! How are you today?',
  'What can you do?',
  'Give me three tips for staying healthy.',
  'Write a sentence about the sea.',
];

/** LoRA SFT settings of the demo: for the bundled tiny model, and for a real GPT-2. */
function sftArgs(tiny: boolean): string[] {
  const tinyArgs =
    '--peft lora --lora-r 16 --lora-alpha 32 --lora-dropout 0.05 --lora-target-modules c_attn c_proj c_fc --learning-rate 3e-3 --per-device-train-batch-size 8 --max-seq-length 160 --warmup-ratio 0.05 --lr-scheduler-type cosine --logging-steps 10 --eval-steps 40';
  // GPT-2 sizes on wasm (4 GiB heap, 50k-token logits): small batches, recomputed blocks.
  const gpt2Args =
    '--peft lora --lora-r 8 --lora-alpha 16 --lora-target-modules c_attn --learning-rate 3e-4 --per-device-train-batch-size 2 --gradient-accumulation-steps 2 --per-device-eval-batch-size 2 --max-seq-length 128 --gradient-checkpointing --validation-split-percentage 2 --logging-steps 5 --eval-steps 20';
  return (tiny ? tinyArgs : gpt2Args).split(' ');
}

/** `gptft demo`: the main job, base model → chat model with LoRA SFT, before/after, report, chat. */
export function demoCommand(): Command {
  const cmd = new Command('demo')
    .summary('the whole story: a base model becomes a chat model (LoRA SFT), before/after, report, chat')
    .description(
      'Loads a small base model (default: models/tiny-base, a GPT-2 that gptft pretrain trained on seven public-domain novels; see its README for the recipe), prints its replies to a few chat messages, fine-tunes it into a chat model with LoRA on the bundled chat data (FastChat’s dummy conversations and the Self-Instruct seed tasks, both Apache-2.0) with SFT (ChatML, loss on the assistant replies only), prints the replies again, writes report.html and, when run in a terminal, opens gptft chat on the result. Works offline on the embedded wasm backend in about ten minutes on two cores. --model gpt2 (or any hub id or folder) uses that model instead (network needed for hub ids).',
    );
  addOptions(cmd, [
    {
      name: 'model',
      type: 'string',
      placeholder: 'dir|id',
      description: 'base model (default: the bundled models/tiny-base)',
    },
    {
      name: 'data',
      type: 'string',
      placeholder: 'file',
      variadic: true,
      description: 'chat data (default: the bundled data/chat files)',
    },
    {
      name: 'output-dir',
      type: 'string',
      placeholder: 'dir',
      description: 'where the adapter, tokenizer and report.html go',
      default: 'models/demo-chat',
    },
    {
      name: 'max-steps',
      type: 'int',
      description:
        'optimizer steps (default: 160 for a small local model such as the bundled one, 40 for others)',
    },
    { name: 'samples', type: 'int', description: 'chat exchanges shown before and after', default: 3 },
    { name: 'seed', type: 'int', description: 'seed of LoRA init, data order and dropout', default: 42 },
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

/** A reply on one line (runs of whitespace shown as one space). */
function oneLine(reply: string): string {
  return reply.replace(/\s+/g, ' ').trim() || '(empty reply)';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export async function demo(opts: Record<string, unknown>): Promise<SftResult> {
  const ctx = new Context(opts);
  const model = (opts.model as string | undefined) ?? TINY_BASE;
  const tiny = isSmallLocalModel(model);
  if (resolve(model) === TINY_BASE && !existsSync(join(TINY_BASE, 'model.safetensors'))) {
    throw new CliError(
      `the bundled base model is missing: ${TINY_BASE}`,
      'run from a full checkout of the repository, or pass --model gpt2',
    );
  }
  const data = (opts.data as string[] | undefined) ?? CHAT_DATA;
  const samples = Math.max(0, Math.min(opts.samples as number, DEMO_PROMPTS.length));
  const prompts = DEMO_PROMPTS.slice(0, Math.max(1, samples));
  const maxSteps = (opts.maxSteps as number | undefined) ?? (tiny ? 160 : 40);
  const outputDir = opts.outputDir as string;
  const show = (p: string) => {
    const r = relative(process.cwd(), resolve(p));
    return r === '' || r.startsWith('..') ? p : r;
  };
  const t0 = performance.now();
  if (resolve(model) === TINY_BASE) {
    const readme = join(TINY_BASE, 'README.md');
    const ppl = existsSync(readme)
      ? /validation perplexity[^\d]*([\d.]+)/i.exec(readFileSync(readme, 'utf8'))?.[1]
      : undefined;
    ctx.print(
      `1. Base model: ${show(TINY_BASE)} — a small GPT-2 that \`gptft pretrain\` trained from scratch on seven public-domain novels${ppl ? ` (validation perplexity ${ppl})` : ''}. Recipe: ${show(join(TINY_BASE, 'recipe.sh'))}.`,
    );
  } else ctx.print(`1. Base model: ${model}`);
  const args = [
    '--model',
    model,
    '--data',
    ...data,
    '--output-dir',
    outputDir,
    '--max-steps',
    String(maxSteps),
    '--seed',
    String(opts.seed),
    '--backend',
    opts.backend as string,
    '--sample-prompt',
    ...prompts,
    ...sftArgs(tiny),
    ...(opts.verbose ? ['--verbose'] : []),
  ];
  if (opts.config !== undefined) args.push('--config', opts.config as string);
  const cmd = sftCommand();
  let result: SftResult | undefined;
  let announced = false;
  cmd.exitOverride();
  cmd.action(async (_o, c: Command) => {
    const sftOpts = await resolveOptions(c);
    ctx.print(
      `2. Fine-tuning it into a chat model: LoRA (r=${sftOpts.loraR}) on ${data.map(show).join(' + ')}, SFT with the ChatML template, loss on the assistant replies only, ${maxSteps} steps. Progress on stderr.`,
    );
    announced = true;
    result = await sft(sftOpts, ctx);
  });
  await cmd.parseAsync(args, { from: 'user' });
  if (!announced || !result) throw new CliError('the fine-tuning did not run');
  const r = result;
  const minutes = ((performance.now() - t0) / 60000).toFixed(1);
  ctx.print(`\n3. The same messages before and after fine-tuning (greedy decoding):\n`);
  for (const [i, p] of r.prompts.entries()) {
    ctx.print(`user:    ${p}`);
    ctx.print(`${pad('before:', 9)}${oneLine(r.before[i]!)}`);
    ctx.print(`${pad('after:', 9)}${oneLine(r.after[i]!)}\n`);
  }
  const ev = r.summary.evalLoss;
  const firstEval = r.summary.logHistory.find((e) => e.eval_loss !== undefined)?.eval_loss;
  ctx.print(
    `4. Done in ${minutes} min: training loss ${r.summary.losses[0]?.toFixed(3)} → ${r.summary.losses[r.summary.losses.length - 1]?.toFixed(3)}` +
      `${ev !== undefined ? `, validation loss ${firstEval !== undefined ? `${firstEval.toFixed(3)} → ` : ''}${ev.toFixed(3)}` : ''}, ${r.summary.tokensPerSecond.toFixed(0)} tokens/s.`,
  );
  ctx.print(`   Report: ${show(r.report)}   Adapter + tokenizer: ${show(r.outputDir)}`);
  ctx.print(`   Chat with it: npx --yes pnpm@10.34.8 gptft chat --model ${show(r.outputDir)}`);
  ctx.result({
    output_dir: r.outputDir,
    report: r.report,
    losses: r.summary.losses,
    eval_loss: ev ?? null,
    first_eval_loss: firstEval ?? null,
    samples: r.prompts.map((p, i) => ({ prompt: p, before: r.before[i], after: r.after[i] })),
  });
  if (opts.chat !== false && !ctx.json && process.stdin.isTTY && process.stdout.isTTY) {
    ctx.print('\nOpening gptft chat on the result (/exit to leave):');
    await chat({ model: r.outputDir, backend: opts.backend, maxNewTokens: 96 });
  }
  return r;
}
