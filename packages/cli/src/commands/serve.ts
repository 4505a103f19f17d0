import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { GPT2LMHeadModel, resizeTokenEmbeddings } from '@gptft/heads';
import { createServer, loadAdapters, PeftAdapterRouter } from '@gptft/serve';
import { Command } from 'commander';
import { prepareChatFormat } from '../chat-setup.js';
import { Context, selectBackend } from '../context.js';
import { CliError } from '../errors.js';
import { loadTokenizer, resolveModelAndAdapter } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';

/** `gptft serve`: an OpenAI-compatible HTTP server for a model and any number of adapters on it. */
export function serveCommand(): Command {
  const cmd = new Command('serve')
    .summary('serve a model and its adapters over an OpenAI-compatible HTTP API')
    .description(
      'Serve --model over HTTP with OpenAI’s API: POST /v1/chat/completions and /v1/completions (stream: true for server-sent events), GET /v1/models, GET /health, and a chat page at /. Each --adapter NAME=DIR is served on the same loaded base: a request picks it with "model": "NAME" ("base" is the model without adapter). Concurrent requests are decoded together (continuous batching), the base and every LoRA adapter in the same forward passes (mixed-adapter batches); other adapter methods take forward passes of their own. Prints "listening on http://HOST:PORT" on stderr once it accepts requests; SIGTERM or Ctrl-C lets running requests finish (up to 10 s), then exits 0.',
    );
  addOptions(cmd, [
    {
      name: 'model',
      type: 'string',
      placeholder: 'dir|id',
      description:
        'base model folder or hub id, or a PEFT adapter folder (served under its folder name on the base its adapter_config.json names)',
      default: 'gpt2',
    },
    {
      name: 'adapter',
      type: 'string',
      placeholder: 'name=dir',
      variadic: true,
      description:
        'a PEFT adapter folder served as model NAME on the same base (repeatable; DIR alone: NAME is its folder name)',
    },
    {
      name: 'tokenizer',
      type: 'string',
      placeholder: 'dir',
      description: 'tokenizer folder (default: the first adapter folder that has one, else the model’s)',
    },
    { name: 'host', type: 'string', description: 'address to listen on', default: '127.0.0.1' },
    { name: 'port', type: 'int', description: 'port to listen on (0: any free port)', default: 8000 },
    {
      name: 'api-key',
      type: 'string',
      placeholder: 'key',
      description: 'require "Authorization: Bearer KEY" on /v1 (default: GPTFT_API_KEY, else no key)',
    },
    {
      name: 'max-tokens',
      type: 'int',
      description: 'largest max_tokens a request may ask for (default: the context)',
    },
    { name: 'max-batch', type: 'int', description: 'rows decoded together', default: 32 },
    { name: 'max-queue', type: 'int', description: 'requests waiting for a row before 429', default: 64 },
    {
      name: 'timeout',
      type: 'number',
      description: 'seconds before a request is cancelled (504)',
      default: 300,
    },
  ]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => serve(await resolveOptions(c)));
  return cmd;
}

/** `NAME=DIR` (or `DIR`, named after its folder) → [name, dir]. */
function parseAdapter(spec: string): [string, string] {
  const eq = spec.indexOf('=');
  const [name, dir] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [basename(resolve(spec)), spec];
  if (!existsSync(join(dir, 'adapter_config.json')))
    throw new CliError(
      `--adapter ${spec}: ${dir} has no adapter_config.json`,
      'pass NAME=DIR with a folder written by `gptft sft` or `gptft train --peft …`',
    );
  return [name, dir];
}

export async function serve(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  await selectBackend(ctx, opts.backend as string);
  const { modelPath, adapter: modelAdapter } = resolveModelAndAdapter(opts.model as string);
  const adapters: Array<[string, string]> = [];
  if (modelAdapter !== undefined) adapters.push([basename(resolve(modelAdapter)), modelAdapter]);
  for (const spec of (opts.adapter as string[] | undefined) ?? []) adapters.push(parseAdapter(spec));
  const names = new Set<string>();
  for (const [name] of adapters) {
    if (names.has(name))
      throw new CliError(`two adapters are named "${name}"`, 'name them: --adapter NAME=DIR');
    if (name === 'base')
      throw new CliError('an adapter may not be named "base"', 'that name is the model without adapter');
    names.add(name);
  }
  const model = await GPT2LMHeadModel.fromPretrained(modelPath);
  let server: ReturnType<typeof createServer> | undefined;
  try {
    const tokSource =
      (opts.tokenizer as string | undefined) ??
      adapters.find(([, dir]) =>
        ['vocab.json', 'tokenizer.json'].some((f) => existsSync(join(dir, f))),
      )?.[1] ??
      modelPath;
    const tokenizer = await loadTokenizer(
      tokSource,
      tokSource === modelPath ? model.config.vocabSize : undefined,
    );
    if (tokenizer.vocabSize > model.config.vocabSize) resizeTokenEmbeddings(model, tokenizer.vocabSize);
    if (prepareChatFormat(model, tokenizer) > 0)
      ctx.log(
        'note: the model has no chat template; chat completions use ChatML with untrained <|im_start|>/<|im_end|> tokens',
      );
    const peft = await loadAdapters(model, Object.fromEntries(adapters));
    const apiKey = (opts.apiKey as string | undefined) ?? process.env.GPTFT_API_KEY;
    server = createServer({
      model,
      tokenizer,
      ...(peft && { peft }),
      ...(apiKey && { apiKey }),
      ...(opts.maxTokens !== undefined && { maxTokens: opts.maxTokens as number }),
      maxBatchRows: opts.maxBatch as number,
      maxQueue: opts.maxQueue as number,
      requestTimeoutMs: Math.round((opts.timeout as number) * 1000),
    });
    const s = server;
    const host = opts.host as string;
    await new Promise<void>((res, rej) => {
      s.once('error', (e: NodeJS.ErrnoException) =>
        rej(
          e.code === 'EADDRINUSE'
            ? new CliError(
                `port ${opts.port} on ${host} is in use`,
                'pass another --port, or --port 0 for a free one',
              )
            : e,
        ),
      );
      s.listen(opts.port as number, host, () => res());
    });
    const { port } = s.address() as AddressInfo;
    const shown = host.includes(':') ? `[${host}]` : host;
    const url = `http://${shown}:${port}`;
    ctx.log(`serving ${['base', ...names].join(', ')} (${modelPath})`);
    const router = s.engine.router;
    if (router instanceof PeftAdapterRouter)
      for (const [name, why] of router.alone)
        ctx.log(
          `note: adapter "${name}" is decoded in forward passes of its own, not with the others: ${why}`,
        );
    ctx.log(`listening on ${url}`);
    await new Promise<void>((done) => {
      const stop = (signal: string) => {
        ctx.log(`${signal}: finishing running requests, then exiting`);
        void s.shutdown({ graceMs: 10_000 }).then(done);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    ctx.result({ url, models: ['base', ...names], ...s.engine.stats }, () => 'stopped');
  } finally {
    model.dispose();
  }
}
