import { join } from 'node:path';
import { Command } from 'commander';
import type { ChatMessage } from '@gptft/datasets';
import type { GPT2LMHeadModel } from '@gptft/heads';
import type { PeftModel } from '@gptft/peft';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { readConversations } from '../chat-data.js';
import { chatStopIds, prepareChatFormat } from '../chat-setup.js';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import {
  modelFiles,
  resolveResume,
  runTraining,
  type TrainingSummary,
  wrapWithPeft,
  writeRunArgs,
} from '../lm-training.js';
import { generateReply } from '../generate-reply.js';
import { loadLanguageModel } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';
import { optimizerSteps, PEFT_OPTIONS } from '../peft-options.js';
import { writeReport } from '../report.js';
import { resumeOptions, trainingArgumentsFrom, trainingOptionSpecs } from '../training-options.js';
import { SeededRandom } from '@gptft/backend';
import { causalLMTrainable, SFTTrainer } from '@gptft/trainer';
import { writeFileAtomic } from '@gptft/hub';

export const SFT_DEFAULTS = {
  learningRate: 2e-4,
  numTrainEpochs: 1,
  perDeviceTrainBatchSize: 4,
  perDeviceEvalBatchSize: 8,
  lrSchedulerType: 'linear',
  warmupRatio: 0.03,
  loggingSteps: 10,
  evalSteps: 50,
  saveSteps: 500,
  saveTotalLimit: 1,
} as const;

export const DEFAULT_CHAT_PROMPTS = [
  'Who are you?',
  'What can you do?',
  'Give me three tips for staying healthy.',
];

/** `gptft sft`: supervised fine-tuning on conversations (chat, ShareGPT or Alpaca records). */
export function sftCommand(): Command {
  const cmd = new Command('sft')
    .summary('fine-tune a causal LM into a chat model on conversations (LoRA or full)')
    .description(
      'Supervised fine-tuning on conversations, as TRL’s SFTTrainer: each conversation is rendered with the tokenizer’s chat template (ChatML, adding <|im_start|>/<|im_end|> and resizing the embeddings, when the model has none) and the loss is taken on the assistant replies only (system and user tokens labelled -100; --no-assistant-only-loss for all tokens). Data: JSON/JSONL records in chat ({"messages": [{"role", "content"}]}), ShareGPT ({"conversations": [{"from", "value"}]}) or Alpaca ({"instruction", "input", "output"}) layout. Writes a PEFT adapter (or a full model with --peft none), the tokenizer with its chat template, log.jsonl and report.html into --output-dir.',
    );
  addOptions(cmd, [
    {
      name: 'model',
      type: 'string',
      placeholder: 'dir|id',
      description: 'base model folder or hub id',
      default: 'gpt2',
    },
    {
      name: 'data',
      type: 'string',
      placeholder: 'file',
      variadic: true,
      description: 'training conversations (.json / .jsonl)',
    },
    {
      name: 'validation-data',
      type: 'string',
      placeholder: 'file',
      variadic: true,
      description: 'validation conversations (default: --validation-split-percentage of --data)',
    },
    {
      name: 'validation-split-percentage',
      type: 'number',
      description: 'percent of conversations held out',
      default: 5,
      range: { min: 0, max: 100, maxExclusive: true },
    },
    {
      name: 'max-seq-length',
      type: 'int',
      description: 'tokens per conversation at most (default: the model’s context)',
      range: { min: 2 },
    },
    {
      name: 'assistant-only-loss',
      type: 'boolean',
      description: 'take the loss on every token, not only on assistant replies',
      default: true,
    },
    {
      name: 'packing',
      type: 'boolean',
      description: 'pack conversations into blocks of --max-seq-length tokens (TRL packing)',
    },
    {
      name: 'gradient-checkpointing',
      type: 'boolean',
      description:
        'recompute each block in the backward pass: less memory for about one more forward (HF gradient_checkpointing)',
    },
    {
      name: 'system-prompt',
      type: 'string',
      placeholder: 'text',
      description: 'system message put first in conversations that have none',
    },
    ...PEFT_OPTIONS,
    {
      name: 'save-dtype',
      type: ['float32', 'float16', 'bfloat16'],
      description: 'dtype of a fully fine-tuned model',
      default: 'float32',
    },
    {
      name: 'sample-prompt',
      type: 'string',
      placeholder: 'text',
      variadic: true,
      description: 'user messages answered before and after training (report.html)',
    },
    ...trainingOptionSpecs(SFT_DEFAULTS),
  ]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => {
    const opts = await resolveOptions(c);
    const ctx = new Context(opts);
    const r = await sft(opts, ctx);
    ctx.result(
      {
        output_dir: r.outputDir,
        losses: r.summary.losses,
        train_loss: r.summary.trainingLoss,
        global_step: r.summary.globalStep,
        ...(r.summary.resumedFrom !== undefined && { resumed_from: r.summary.resumedFrom }),
        ...(r.summary.evalLoss !== undefined && { eval_loss: r.summary.evalLoss }),
        samples: r.prompts.map((p, i) => ({ prompt: p, before: r.before[i], after: r.after[i] })),
        report: r.report,
      },
      () =>
        [
          ...r.prompts.map((p, i) => `user: ${p}\n  before: ${r.before[i]}\n  after:  ${r.after[i]}`),
          `saved ${r.outputDir} (report: ${r.report}); chat with: gptft chat --model ${r.chatModel}`,
        ].join('\n'),
    );
  });
  return cmd;
}

/** Greedy replies of the chat model to single-turn conversations. */
export async function chatReplies(
  model: GPT2LMHeadModel,
  tokenizer: GPT2Tokenizer,
  prompts: readonly string[],
  options: { system?: string; maxNewTokens?: number } = {},
): Promise<string[]> {
  const stopIds = chatStopIds(tokenizer);
  const replies: string[] = [];
  for (const p of prompts) {
    const messages: ChatMessage[] = [
      ...(options.system !== undefined ? [{ role: 'system' as const, content: options.system }] : []),
      { role: 'user', content: p },
    ];
    const ids = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
    const out = await generateReply(model, tokenizer, ids, {
      maxNewTokens: options.maxNewTokens ?? 48,
      doSample: false,
      repetitionPenalty: 1.2,
      stopIds,
    });
    replies.push(out.text.trim());
  }
  return replies;
}

/** What `sft` returns to callers (the demo). */
export interface SftResult {
  outputDir: string;
  summary: TrainingSummary;
  before: string[];
  after: string[];
  prompts: string[];
  report: string;
  /** Where `gptft chat` finds the result (the adapter folder or the full model). */
  chatModel: string;
}

export async function sft(opts: Record<string, unknown>, ctx = new Context(opts)): Promise<SftResult> {
  const outputDir = opts.outputDir as string | undefined;
  if (!outputDir) throw new CliError('--output-dir is required', 'e.g. --output-dir out/my-chat-model');
  const system = opts.systemPrompt as string | undefined;
  const resumeFrom = await resolveResume(outputDir, resumeOptions(opts));
  const conversations = await readConversations((opts.data as string[] | undefined) ?? [], system);
  const valFiles = opts.validationData as string[] | undefined;
  let valConversations = valFiles ? await readConversations(valFiles, system) : [];
  await selectBackend(ctx, opts.backend as string);
  const modelPath = opts.model as string;
  const seed = opts.seed as number;
  const lm = await loadLanguageModel(modelPath, { seed });
  const { model, tokenizer } = lm;
  let peft: PeftModel<GPT2LMHeadModel> | undefined;
  try {
    if (opts.gradientCheckpointing === true) model.transformer.gradientCheckpointing = true;
    const added = prepareChatFormat(model, tokenizer);
    if (added > 0) ctx.log(`chat format: ChatML, ${added} new token embeddings`);
    const maxLength = Math.min(
      (opts.maxSeqLength as number | undefined) ?? model.config.nPositions,
      model.config.nPositions,
    );
    let trainConvs = conversations;
    if (!valFiles) {
      const n = Math.floor((conversations.length * (opts.validationSplitPercentage as number)) / 100);
      const valIdx = new Set(new SeededRandom(seed).permutation(conversations.length).slice(0, n));
      valConversations = conversations.filter((_, i) => valIdx.has(i));
      trainConvs = conversations.filter((_, i) => !valIdx.has(i));
    }
    const assistantOnlyLoss = opts.assistantOnlyLoss !== false;
    const packing = opts.packing === true;
    const args = trainingArgumentsFrom(opts);
    const toRecords = (convs: ChatMessage[][]) => convs.map((messages) => ({ messages }));
    const prompts = (opts.samplePrompt as string[] | undefined) ?? DEFAULT_CHAT_PROMPTS;
    const replyOpts = system !== undefined ? { system } : {};
    const before = await chatReplies(model, tokenizer, prompts, replyOpts);
    const batchesPerEpoch = Math.ceil(trainConvs.length / (args.perDeviceTrainBatchSize ?? 8));
    const wrapped = await wrapWithPeft(ctx, { ...opts, model: modelPath, seed }, model, {
      taskType: 'CAUSAL_LM',
      totalSteps: optimizerSteps(args, batchesPerEpoch),
    });
    peft = wrapped.peft;
    const what = wrapped.what ?? `${modelPath}, full fine-tuning`;
    const p = peft;
    const trainable = causalLMTrainable(p ?? model);
    const summary = await runTraining({
      ctx,
      trainable,
      files: modelFiles(model, p, tokenizer, (dir) => writeGenerationConfig(dir, tokenizer)),
      args: { ...args, outputDir },
      hasEval: valConversations.length > 0,
      evaluateFirst: true,
      shuffle: opts.shuffle !== false,
      saveDtype: opts.saveDtype as 'float32',
      ...(resumeFrom && { resumeFrom }),
      makeTrainer: (common) => {
        const trainer = new SFTTrainer({
          ...common,
          model: trainable,
          tokenizer,
          args: { ...common.args, maxLength, assistantOnlyLoss, packing },
          trainDataset: toRecords(trainConvs),
          ...(valConversations.length > 0 && { evalDataset: toRecords(valConversations) }),
        });
        const st = trainer.sftStats;
        const ev = trainer.sftEvalStats;
        ctx.log(
          `data: ${st.examples - st.dropped} training${ev ? ` and ${ev.examples - ev.dropped} validation` : ''} conversations in ${st.batches} batches (≤ ${maxLength} tokens${packing ? ', packed' : ''}; ${st.truncated} cut, ${st.dropped + (ev?.dropped ?? 0)} dropped without an assistant reply), loss on ${assistantOnlyLoss ? `assistant replies only (${st.labelledTokens} of ${st.tokens} tokens)` : 'all tokens'}`,
        );
        if (st.examples - st.dropped === 0) {
          throw new CliError('no training conversation has an assistant reply within --max-seq-length');
        }
        return trainer;
      },
    });
    await writeRunArgs(outputDir, 'sft', opts);
    const after = await chatReplies(model, tokenizer, prompts, replyOpts);
    const report = await writeReport(ctx, {
      title: 'gptft sft: chat fine-tuning',
      model: what,
      outputDir,
      summary,
      samples: prompts.map((p, i) => ({ prompt: p, before: before[i]!, after: after[i]! })),
      settings: opts,
    });
    return { outputDir, summary, before, after, prompts, report, chatModel: outputDir };
  } finally {
    peft?.unload();
    model.dispose();
  }
}

/** generation_config.json that stops at the end of the assistant's turn. */
async function writeGenerationConfig(dir: string, tokenizer: GPT2Tokenizer): Promise<void> {
  const eos = chatStopIds(tokenizer);
  const cfg = {
    bos_token_id: tokenizer.bosTokenId ?? null,
    eos_token_id: eos.length === 1 ? eos[0] : eos,
    pad_token_id: tokenizer.padTokenId ?? null,
    transformers_version: '4.46.0',
  };
  await writeFileAtomic(join(dir, 'generation_config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
}
