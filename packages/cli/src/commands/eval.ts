import { Command } from 'commander';
import { causalLMCollator } from '@gptft/datasets';
import { causalLMTrainable, Trainer } from '@gptft/trainer';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import {
  checkDataFiles,
  ENCODING_ERRORS_OPTION,
  readLmTokens,
  textReadOptions,
  toBlocks,
} from '../lm-data.js';
import { LOAD_MODEL_OPTIONS, loadLanguageModel, modelSources } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';
import { ProgressBar } from '../progress-bar.js';
import { evaluateClassifier, TASKS, taskOfModel } from '../tasks.js';
import { CHAT_FACTS_MAX_NEW_TOKENS, chatFactsOfModel } from '../chat-facts.js';

/** What `eval --task` accepts: the training tasks, and chat-facts (generated replies scored on facts). */
const EVAL_TASKS = [...TASKS, 'chat-facts'] as const;

/** `gptft eval`: perplexity of a causal LM on a text file, or a classifier's metrics. */
export function evalCommand(): Command {
  const cmd = new Command('eval')
    .summary('perplexity on text, or a classifier’s metrics')
    .description(
      'causal-lm (default): the file’s tokens are concatenated and cut into non-overlapping blocks of --block-size tokens (remainder dropped), as transformers’ run_clm.py; loss = mean next-token cross-entropy over all predicted positions (Trainer.evaluate); perplexity = exp(loss). With --json: {"loss", "perplexity", "tokens"}. sequence-classification: accuracy and macro precision/recall/F1 (scikit-learn’s definitions); token-classification: entity precision/recall/F1 (seqeval) and token accuracy. chat-facts: a chat model answers each test conversation ({"messages": [..., user question, reference reply], "expected": "fact" | ["fact", ...]}, as gptft demo writes them) greedily, and fact accuracy is the share of replies that contain every expected string (case-insensitive, whole words and numbers; @gptft/metrics factAccuracy); with --json also per kind and every reply.',
    );
  addOptions(cmd, [
    {
      name: 'task',
      type: EVAL_TASKS,
      description:
        'what the model does (default: an adapter’s task_type SEQ_CLS/TOKEN_CLS, else the config.json architecture, else causal-lm)',
    },
    ...LOAD_MODEL_OPTIONS,
    { name: 'data', type: 'string', placeholder: 'file', variadic: true, description: 'evaluation files' },
    {
      name: 'block-size',
      type: 'int',
      description: 'tokens per block (causal-lm; default: the model’s context, at most 1024)',
      range: { min: 2 },
    },
    {
      name: 'per-device-eval-batch-size',
      type: 'int',
      description: 'blocks or examples per forward pass',
      default: 8,
      range: { min: 1 },
    },
    {
      name: 'max-eval-samples',
      type: 'int',
      description: 'evaluate at most this many blocks or examples',
      range: { min: 1 },
    },
    {
      name: 'max-new-tokens',
      type: 'int',
      description: `tokens generated per reply at most (chat-facts; default ${CHAT_FACTS_MAX_NEW_TOKENS})`,
    },
    {
      name: 'text-column',
      type: 'string',
      description: 'field with the text (sequence-classification)',
      default: 'text',
    },
    {
      name: 'label-column',
      type: 'string',
      description: 'field with the label (sequence-classification)',
      default: 'label',
    },
  ]);
  addOptions(cmd, [ENCODING_ERRORS_OPTION]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => evaluate(await resolveOptions(c)));
  return cmd;
}

export async function evaluate(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  const files = (opts.data as string[] | undefined) ?? [];
  checkDataFiles(files);
  await selectBackend(ctx, opts.backend as string);
  const task =
    (opts.task as string | undefined) ??
    taskOfModel(opts.model as string, opts.adapter as string | undefined);
  ctx.debug(`task: ${task}`);
  if (task === 'chat-facts') {
    const r = await chatFactsOfModel(opts.model as string, files, {
      ...modelSources(opts),
      ...(opts.maxEvalSamples !== undefined && { maxSamples: opts.maxEvalSamples as number }),
      ...(opts.maxNewTokens !== undefined && { maxNewTokens: opts.maxNewTokens as number }),
      onProgress: (done, total) => ctx.debug(`${done}/${total} replies`),
    });
    ctx.result(r, () =>
      [
        `fact_accuracy: ${r.fact_accuracy.toFixed(4)} (${r.correct} of ${r.total})`,
        ...Object.entries(r.by_kind).map(
          ([k, v]) => `  ${k}: ${v.fact_accuracy.toFixed(4)} (${v.correct} of ${v.total})`,
        ),
      ].join('\n'),
    );
    return;
  }
  if (task !== 'causal-lm') {
    const metrics = await evaluateClassifier(ctx, { ...opts, task });
    ctx.result(metrics, () =>
      Object.entries(metrics)
        .map(([k, v]) => `${k}: ${typeof v === 'number' ? v.toFixed(4) : v}`)
        .join('\n'),
    );
    return;
  }
  const lm = await loadLanguageModel(opts.model as string, modelSources(opts));
  try {
    const blockSize = (opts.blockSize as number | undefined) ?? Math.min(lm.model.config.nPositions, 1024);
    if (blockSize > lm.model.config.nPositions) {
      throw new CliError(
        `--block-size ${blockSize} exceeds the model's context (${lm.model.config.nPositions})`,
      );
    }
    const ids = await readLmTokens(files, lm.tokenizer, textReadOptions(opts));
    let blocks = toBlocks(ids, blockSize);
    const max = opts.maxEvalSamples as number | undefined;
    if (max !== undefined) blocks = blocks.slice(0, max);
    if (blocks.length === 0) {
      throw new CliError(
        `${files.join(', ')}: ${ids.length} tokens, fewer than one block of ${blockSize}`,
        'pass a smaller --block-size',
      );
    }
    const batchSize = opts.perDeviceEvalBatchSize as number;
    const collate = causalLMCollator({ padTokenId: lm.tokenizer.eosTokenId ?? 0 });
    const trainer = new Trainer({
      model: causalLMTrainable(lm.model),
      args: { perDeviceEvalBatchSize: batchSize },
      evalDataset: blocks,
      dataCollator: collate,
      logToFile: false,
      progress: false,
    });
    let loss: number;
    try {
      const stderr = ctx.stderr as NodeJS.WriteStream;
      loss = stderr.isTTY
        ? await evaluateWithProgress(
            async (part) => (await trainer.evaluate(part)).eval_loss!,
            // the batches Trainer.evaluate would make: batchSize blocks each, in order
            Array.from({ length: Math.ceil(blocks.length / batchSize) }, (_, i) =>
              collate(blocks.slice(i * batchSize, (i + 1) * batchSize)),
            ),
            (b) => b.shape[0]!,
            stderr,
          )
        : (await trainer.evaluate()).eval_loss!;
    } finally {
      trainer.optimizer.dispose();
    }
    // Every block predicts its tokens after the first (full blocks, no padding).
    const tokens = blocks.length * (blockSize - 1);
    ctx.result(
      { loss, perplexity: Math.exp(loss), tokens },
      () =>
        `loss ${loss.toFixed(4)}  perplexity ${Math.exp(loss).toFixed(2)}  (${tokens} predicted tokens in ${blocks.length} blocks of ${blockSize})`,
    );
  } finally {
    lm.dispose();
  }
}

/**
 * `Trainer.evaluate` (`evaluate`) on a terminal: the batches in about 50 chunks, with a bar (blocks
 * done, percentage, ETA) redrawn on stderr after each and cleared at the end. The loss is the
 * chunks' losses weighted by their rows: the trainer weights each batch by its rows, so this is the
 * same mean over blocks as one `evaluate` call over all of them.
 */
async function evaluateWithProgress<B>(
  evaluate: (part: B[]) => Promise<number>,
  batches: readonly B[],
  rowsOf: (b: B) => number,
  stream: NodeJS.WriteStream,
): Promise<number> {
  const total = batches.reduce((n, b) => n + rowsOf(b), 0);
  const chunk = Math.max(1, Math.ceil(batches.length / 50));
  const bar = new ProgressBar(stream, total, 'blocks');
  let weighted = 0;
  let done = 0;
  bar.draw(done);
  for (let i = 0; i < batches.length; i += chunk) {
    const part = batches.slice(i, i + chunk);
    const rows = part.reduce((n, b) => n + rowsOf(b), 0);
    weighted += (await evaluate(part)) * rows;
    done += rows;
    bar.draw(done);
  }
  bar.clear();
  return weighted / total;
}
