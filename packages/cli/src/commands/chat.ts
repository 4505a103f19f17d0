import { createInterface } from 'node:readline';
import { Command } from 'commander';
import type { ChatMessage } from '@gptft/datasets';
import { chatStopIds, prepareChatFormat } from '../chat-setup.js';
import { Context, selectBackend } from '../context.js';
import { decodeOptionSpecs, decodeSettings } from '../decode-options.js';
import { generateReply } from '../generate-reply.js';
import { LOAD_MODEL_OPTIONS, loadLanguageModel, modelSources } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';

const HELP = 'commands: /reset (forget the conversation), /system TEXT (new system message, resets), /exit';

/** `gptft chat`: an interactive multi-turn chat with streaming replies (stdin may be a pipe). */
export function chatCommand(): Command {
  const cmd = new Command('chat')
    .summary('chat with a model (interactive, streaming, multi-turn)')
    .description(
      `Chat with a chat model (a folder, hub id, or an adapter folder written by gptft sft). Each line you type is a user message; the reply streams as it is generated and the whole conversation is the context of the next turn (oldest turns are dropped when it no longer fits). ${HELP}. Reads stdin, so a pipe works too: printf 'Hi\\n/reset\\nWho are you?\\n' | gptft chat --model out/chat.`,
    );
  addOptions(cmd, [
    ...LOAD_MODEL_OPTIONS,
    { name: 'system', type: 'string', placeholder: 'text', description: 'system message' },
    ...decodeOptionSpecs({ maxNewTokens: 96 }),
  ]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => chat(await resolveOptions(c)));
  return cmd;
}

export async function chat(
  opts: Record<string, unknown>,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } = {
    input: process.stdin,
    output: process.stdout,
  },
): Promise<void> {
  const ctx = new Context(opts, io.output);
  await selectBackend(ctx, opts.backend as string);
  const lm = await loadLanguageModel(opts.model as string, modelSources(opts));
  const { model, tokenizer } = lm;
  try {
    if (prepareChatFormat(model, tokenizer) > 0 || tokenizer.chatTemplate === undefined) {
      ctx.log(
        'note: this model has no chat template; using ChatML with untrained <|im_start|>/<|im_end|> tokens',
      );
    }
    const settings = decodeSettings(opts, model);
    settings.stopIds = chatStopIds(tokenizer);
    if (settings.repetitionPenalty === undefined) settings.repetitionPenalty = 1.2;
    const tty =
      (io.input as { isTTY?: boolean }).isTTY === true && (io.output as { isTTY?: boolean }).isTTY === true;
    let system = opts.system as string | undefined;
    let history: ChatMessage[] = [];
    const turns: { user: string; assistant: string }[] = [];
    const out = (s: string) => {
      if (!ctx.json) io.output.write(s);
    };
    if (tty) out(`gptft chat — ${opts.model}. ${HELP}\n`);
    const rl = createInterface({
      input: io.input,
      ...(tty && { output: io.output, prompt: 'you> ' }),
      terminal: tty,
    });
    if (tty) rl.prompt();
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '') {
        if (tty) rl.prompt();
        continue;
      }
      if (line === '/exit' || line === '/quit') break;
      if (line === '/reset') {
        history = [];
        out('(conversation reset)\n');
      } else if (line === '/system' || line.startsWith('/system ')) {
        system = line.slice('/system'.length).trim() || undefined;
        history = [];
        out(
          system
            ? `(system: ${system}; conversation reset)\n`
            : '(system message removed; conversation reset)\n',
        );
      } else if (line.startsWith('/')) {
        out(`(unknown command ${line.split(' ')[0]}; ${HELP})\n`);
      } else {
        history.push({ role: 'user', content: line });
        const render = (h: ChatMessage[]) =>
          tokenizer.applyChatTemplate(
            [...(system ? [{ role: 'system' as const, content: system }] : []), ...h],
            {
              addGenerationPrompt: true,
            },
          );
        let ids = render(history);
        // Drop the oldest exchanges while the prompt leaves no room for the reply.
        while (ids.length + settings.maxNewTokens > model.config.nPositions && history.length > 1) {
          history = history.slice(2);
          ids = render(history);
        }
        ctx.debug(`prompt: ${ids.length} tokens, ${history.length} messages${system ? ' + system' : ''}`);
        out('assistant> ');
        let started = false;
        const reply = await generateReply(model, tokenizer, ids, settings, (text) => {
          let piece = text;
          if (!started) {
            piece = piece.replace(/^\s+/, '');
            started = piece !== '';
          }
          out(piece);
        });
        out('\n');
        const text = reply.text.trim();
        history.push({ role: 'assistant', content: text });
        turns.push({ user: line, assistant: text });
      }
      if (tty) rl.prompt();
    }
    rl.close();
    ctx.result({ turns });
  } finally {
    lm.dispose();
  }
}
