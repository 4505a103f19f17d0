import { createInterface } from 'node:readline';
import { Command } from 'commander';
import type { ChatMessage } from '@gptft/datasets';
import { chatStopIds, prepareChatFormat } from '../chat-setup.js';
import { Context, selectBackend } from '../context.js';
import { decodeOptionSpecs, decodeSettings } from '../decode-options.js';
import { generateReply } from '../generate-reply.js';
import { LOAD_MODEL_OPTIONS, loadLanguageModel, modelSources } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';

const HELP =
  'commands: /reset (forget the conversation), /system TEXT (new system message, resets), /exit; Ctrl-C stops a reply';

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
    const ctxLen = model.config.nPositions;
    const maxNewTokens = settings.maxNewTokens;
    if (maxNewTokens >= ctxLen) {
      ctx.log(
        `note: --max-new-tokens ${maxNewTokens} does not fit the model's context (${ctxLen} tokens, the conversation included); each reply gets the room the conversation leaves`,
      );
    }
    // Room kept for the reply when older turns must go: the asked length, at most half the context.
    const reserve = Math.min(maxNewTokens, Math.floor(ctxLen / 2));
    const tty =
      (io.input as { isTTY?: boolean }).isTTY === true && (io.output as { isTTY?: boolean }).isTTY === true;
    let system = opts.system as string | undefined;
    let history: ChatMessage[] = [];
    const turns: { user: string; assistant: string }[] = [];
    const out = (s: string) => {
      if (!ctx.json) io.output.write(s);
    };
    const render = (h: ChatMessage[]) =>
      tokenizer.applyChatTemplate([...(system ? [{ role: 'system' as const, content: system }] : []), ...h], {
        addGenerationPrompt: true,
      });
    if (tty) out(`gptft chat — ${opts.model}. ${HELP}\n`);
    const rl = createInterface({
      input: io.input,
      ...(tty && { output: io.output, prompt: 'you> ' }),
      terminal: tty,
    });
    // Ctrl-C stops the reply being written, else ends the chat. (Without a listener readline
    // pauses its input on Ctrl-C: the next message would never be read — a frozen terminal.)
    let replying: AbortController | undefined;
    rl.on('SIGINT', () => {
      if (replying) replying.abort(new Error('interrupted'));
      else rl.close();
    });
    // Whatever happens in a turn, the terminal is handed back (echo on, line mode) when chat ends.
    try {
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
          let ids = render(history);
          // Drop the oldest exchanges (never the new message) while the prompt leaves no room for the reply.
          let forgotten = 0;
          while (ids.length + reserve > ctxLen && history.length > 1) {
            history = history.slice(2);
            forgotten += 2;
            ids = render(history);
          }
          if (forgotten > 0)
            ctx.log(
              `(the ${forgotten} oldest messages no longer fit the ${ctxLen}-token context: forgotten)`,
            );
          if (ids.length >= ctxLen) {
            // Not even the new message fits: say so instead of cutting it.
            history.pop();
            ctx.log(
              `(your message was not sent: it is too long for this model — with ${system ? 'the system message and ' : ''}the chat template it takes ${ids.length} tokens, the context holds ${ctxLen}; shorten it)`,
            );
          } else {
            ctx.debug(`prompt: ${ids.length} tokens, ${history.length} messages${system ? ' + system' : ''}`);
            out('assistant> ');
            let started = false;
            replying = new AbortController();
            const reply = await generateReply(
              model,
              tokenizer,
              ids,
              { ...settings, maxNewTokens: Math.min(maxNewTokens, ctxLen - ids.length) },
              (text) => {
                let piece = tty ? printable(text) : text;
                if (!started) {
                  piece = piece.replace(/^\s+/, '');
                  started = piece !== '';
                }
                out(piece);
              },
              { signal: replying.signal },
            ).finally(() => {
              replying = undefined;
            });
            out(reply.interrupted ? ' (interrupted)\n' : '\n');
            const text = reply.text.trim();
            history.push({ role: 'assistant', content: text });
            turns.push({ user: line, assistant: text });
          }
        }
        if (tty) rl.prompt();
      }
    } finally {
      rl.close();
    }
    ctx.result({ turns });
  } finally {
    lm.dispose();
  }
}

/**
 * Text safe to print on a terminal: control characters a model may generate (escape sequences
 * that could switch the terminal's modes, bells, carriage returns) become U+FFFD; newlines and
 * tabs stay.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is matched
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}
