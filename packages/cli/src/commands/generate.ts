import { Command } from 'commander';
import { Context, selectBackend } from '../context.js';
import { decodeOptionSpecs, decodeSettings } from '../decode-options.js';
import { CliError } from '../errors.js';
import { generateReply } from '../generate-reply.js';
import { LOAD_MODEL_OPTIONS, loadLanguageModel, modelSources } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';

/** `gptft generate`: continue a prompt, streaming the text as it is generated. */
export function generateCommand(): Command {
  const cmd = new Command('generate')
    .summary('continue a text prompt with a causal LM')
    .description(
      'Continue --prompt with the model (a folder or hub id, plus an optional LoRA --adapter), printing the new text as it is generated. Stops at the end-of-text token or --max-new-tokens. With --json prints {"text", "ids"} (the new tokens only).',
    );
  addOptions(cmd, [
    ...LOAD_MODEL_OPTIONS,
    { name: 'prompt', type: 'string', placeholder: 'text', description: 'the text to continue' },
    ...decodeOptionSpecs({ maxNewTokens: 50 }),
  ]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => generate(await resolveOptions(c)));
  return cmd;
}

export async function generate(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  const prompt = opts.prompt as string | undefined;
  if (prompt === undefined || prompt === '')
    throw new CliError('--prompt is required', 'e.g. --prompt "Once upon a time"');
  await selectBackend(ctx, opts.backend as string);
  const lm = await loadLanguageModel(opts.model as string, modelSources(opts));
  try {
    const { model, tokenizer } = lm;
    const settings = decodeSettings(opts, model);
    const eos = tokenizer.eosTokenId;
    if (eos !== undefined) settings.stopIds = [eos];
    if (!ctx.json) ctx.stdout.write(prompt);
    const { ids, text, promptTokensDropped, maxNewTokens } = await generateReply(
      model,
      tokenizer,
      tokenizer.encode(prompt),
      settings,
      (piece) => {
        if (!ctx.json) ctx.stdout.write(piece);
      },
    );
    if (!ctx.json) ctx.stdout.write('\n');
    const ctxLen = model.config.nPositions;
    if (promptTokensDropped > 0)
      ctx.log(
        `note: the prompt was cut to its last ${ctxLen - maxNewTokens} tokens (${promptTokensDropped} dropped) to leave room for ${maxNewTokens} new tokens in the model's ${ctxLen}-token context`,
      );
    else if (maxNewTokens < settings.maxNewTokens)
      ctx.log(
        `note: at most ${maxNewTokens} new tokens fit the model's ${ctxLen}-token context after the prompt`,
      );
    ctx.result({ text, ids });
  } finally {
    lm.dispose();
  }
}
