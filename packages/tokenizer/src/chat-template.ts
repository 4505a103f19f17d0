/**
 * Chat templates: HF `chat_template` strings (Jinja) rendered with `@huggingface/jinja`, so the
 * templates in HF models' `tokenizer_config.json` work unchanged. Also the spans of assistant
 * replies in the rendered text, from `{% generation %}` blocks (HF's `return_assistant_tokens_mask`)
 * or, for templates without them, by rendering growing prefixes of the conversation.
 */
import { Template } from '@huggingface/jinja';

/** One chat message (`{ role, content }`; other fields such as `tool_calls` reach the template). */
export interface ChatMessage {
  role: string;
  /** Usually a string; a list of content blocks (`{ type: 'text', text }`) is passed through. */
  content: unknown;
  [key: string]: unknown;
}

/** A template's text, or the named templates of a tokenizer (`default`, `tool_use`, …). */
export type ChatTemplateSetting = string | { name: string; template: string }[] | undefined;

/** Options of rendering a conversation (HF `apply_chat_template` with `tokenize=False`). */
export interface ChatTemplateOptions {
  /**
   * The template: a Jinja string, or the name of one of the tokenizer's named templates. Default:
   * the tokenizer's `chatTemplate` (its `default`, or `tool_use` when `tools` are given), or
   * {@link CHATML_TEMPLATE} when the tokenizer has none (GPT-2 has none).
   */
  chatTemplate?: string;
  /** End with the start of an assistant turn (HF `add_generation_prompt`), for generation. */
  addGenerationPrompt?: boolean;
  /**
   * Leave the final message open so that generation continues it (HF `continue_final_message`):
   * the text is cut right after the final message's content.
   */
  continueFinalMessage?: boolean;
  /** Tool (function) definitions, passed to the template as `tools`. */
  tools?: unknown[];
  /** Documents for retrieval-augmented templates, passed as `documents`. */
  documents?: unknown[];
  /** More template variables (HF's `**kwargs` of `apply_chat_template`). */
  templateVariables?: Record<string, unknown>;
}

/**
 * ChatML, as TRL's `setup_chat_format` writes it, with `{% generation %}` around each assistant
 * reply and its `<|im_end|>` (so assistant masks need no guessing). Renders
 * `<|im_start|>{role}\n{content}<|im_end|>\n` per message and `<|im_start|>assistant\n` as the
 * generation prompt.
 */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}" +
  "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}" +
  "{% else %}{{ message['content'] + '<|im_end|>' }}{% endif %}{{ '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** ChatML's special tokens. */
export const CHATML_START = '<|im_start|>';
export const CHATML_END = '<|im_end|>';

const GEN_START = '\uFDD0';
const GEN_END = '\uFDD1';
const GENERATION_TAG = /\{%(-?)\s*(end)?generation\s*(-?)%\}/g;

/** True when the template marks assistant replies with `{% generation %}` blocks. */
export function hasGenerationBlocks(template: string): boolean {
  return new RegExp(GENERATION_TAG.source).test(template);
}

const compiled = new Map<string, Template>();

function compile(source: string): Template {
  let t = compiled.get(source);
  if (t === undefined) {
    try {
      t = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(`the chat template does not parse: ${(e as Error).message}`);
    }
    if (compiled.size >= 64) compiled.delete(compiled.keys().next().value!);
    compiled.set(source, t);
  }
  return t;
}

/** A chat template that does not parse or raised an error while rendering. */
export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}

/**
 * The template `apply_chat_template` would use (HF `get_chat_template`): `chatTemplate` if it is a
 * template or names one of the tokenizer's, else the tokenizer's own (`default`, or `tool_use` when
 * tools are given), else {@link CHATML_TEMPLATE}.
 */
export function resolveChatTemplate(
  own: ChatTemplateSetting,
  chatTemplate: string | undefined,
  hasTools: boolean,
): string {
  if (Array.isArray(own)) {
    const byName = new Map(own.map((t) => [t.name, t.template]));
    if (chatTemplate !== undefined) return byName.get(chatTemplate) ?? chatTemplate;
    const pick = (hasTools ? byName.get('tool_use') : undefined) ?? byName.get('default');
    if (pick === undefined) {
      throw new ChatTemplateError(
        `this tokenizer has named chat templates (${own.map((t) => t.name).join(', ')}) but no 'default'; pass chatTemplate: '<name>'`,
      );
    }
    return pick;
  }
  return chatTemplate ?? own ?? CHATML_TEMPLATE;
}

/** The text of a message's content (the last text block of a list), for `continueFinalMessage`. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    for (let i = content.length - 1; i >= 0; i--) {
      const block = content[i] as { text?: unknown };
      if (block && typeof block.text === 'string') return block.text;
    }
  }
  throw new ChatTemplateError('continueFinalMessage: the final message has no text content');
}

function validateMessages(messages: readonly ChatMessage[]): void {
  if (!Array.isArray(messages)) throw new TypeError('messages: expected an array of { role, content }');
  messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof m.role !== 'string') {
      throw new TypeError(`messages[${i}]: expected { role: string, content }`);
    }
    if (typeof m.content === 'string' && (m.content.includes(GEN_START) || m.content.includes(GEN_END))) {
      throw new TypeError(`messages[${i}].content contains the noncharacters U+FDD0/U+FDD1, reserved here`);
    }
  });
}

/** The variables a template sees (HF: messages, tools, documents, add_generation_prompt, special tokens). */
export interface TemplateContext {
  /** bos_token, eos_token, …, additional_special_tokens (as HF passes `special_tokens_map`). */
  specialTokens: Record<string, unknown>;
}

function render(
  source: string,
  messages: readonly ChatMessage[],
  addGenerationPrompt: boolean,
  options: ChatTemplateOptions,
  context: TemplateContext,
): string {
  const template = compile(source);
  try {
    return template.render({
      ...context.specialTokens,
      ...options.templateVariables,
      messages,
      add_generation_prompt: addGenerationPrompt,
      ...(options.tools !== undefined ? { tools: options.tools } : {}),
      ...(options.documents !== undefined ? { documents: options.documents } : {}),
    });
  } catch (e) {
    if (e instanceof ChatTemplateError) throw e;
    throw new ChatTemplateError(`chat template: ${(e as Error).message}`);
  }
}

/**
 * Renders a conversation to text with a chat template (HF `apply_chat_template(…, tokenize=False)`).
 * `template` is the resolved template text (see {@link resolveChatTemplate}).
 */
export function renderChat(
  template: string,
  messages: readonly ChatMessage[],
  options: ChatTemplateOptions,
  context: TemplateContext,
): string {
  validateMessages(messages);
  const addGenerationPrompt = options.addGenerationPrompt ?? false;
  if (addGenerationPrompt && options.continueFinalMessage) {
    throw new ChatTemplateError(
      'continueFinalMessage and addGenerationPrompt cannot both be set: the first continues the final message, the second starts a new one',
    );
  }
  let text = render(template, messages, addGenerationPrompt, options, context);
  if (options.continueFinalMessage) {
    if (messages.length === 0) throw new ChatTemplateError('continueFinalMessage needs at least one message');
    const final = messageText(messages[messages.length - 1].content);
    const at = text.lastIndexOf(final.trim());
    if (at < 0) {
      throw new ChatTemplateError(
        'continueFinalMessage: the final message does not appear in the rendered chat (the template changes it)',
      );
    }
    // HF: keep the final message's trailing space if the template kept it, else cut after its text.
    const keep = text.slice(at, at + final.trimStart().length) === final.trimStart();
    text = text.slice(0, at + (keep ? final.trimStart().length : final.trim().length));
  }
  return text;
}

/** Rendered text plus the `[start, end)` spans (UTF-16) of the assistant replies in it. */
export interface RenderedChat {
  text: string;
  assistantSpans: [number, number][];
  /** How the spans were found: the template's `{% generation %}` blocks, or rendered prefixes. */
  spansFrom: 'generation' | 'prefixes';
}

/** Options of {@link renderChatWithAssistantSpans}. */
export interface AssistantSpanOptions {
  /**
   * For templates without `{% generation %}`: the token that ends an assistant turn. A reply's span
   * ends right after its last occurrence in the text the reply added (so `"</s>\n"` labels `</s>`
   * but not the newline). Default `<|im_end|>` when the template contains it, else `eos`.
   */
  endOfTurnToken?: string;
}

/**
 * Renders a conversation and finds the assistant replies in the text, for training on replies
 * only (HF `return_assistant_tokens_mask`, TRL's `assistant_only_loss`).
 *
 * - If the template has `{% generation %}` blocks (as {@link CHATML_TEMPLATE} does), the spans are
 *   exactly those blocks, as in HF.
 * - Otherwise (most HF templates), the conversation is rendered up to each assistant message with
 *   the generation prompt, and with that message: the text the message adds, up to and including
 *   the end-of-turn token, is its span. Templates whose earlier text changes when a message is
 *   appended cannot be handled this way; that is an error asking for `{% generation %}` blocks.
 */
export function renderChatWithAssistantSpans(
  template: string,
  messages: readonly ChatMessage[],
  options: ChatTemplateOptions & AssistantSpanOptions,
  context: TemplateContext,
): RenderedChat {
  validateMessages(messages);
  if (hasGenerationBlocks(template)) {
    const marked = template.replace(
      GENERATION_TAG,
      (_m, l: string, end: string | undefined, r: string) =>
        `{%${l} if true %}{{ '${end ? GEN_END : GEN_START}' }}{% endif ${r}%}`,
    );
    const raw = renderChat(marked, messages, options, context);
    const spans: [number, number][] = [];
    let text = '';
    let open = -1;
    let from = 0;
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i];
      if (ch !== GEN_START && ch !== GEN_END) continue;
      text += raw.slice(from, i);
      from = i + 1;
      if (ch === GEN_START) open = text.length;
      else if (open >= 0) {
        if (text.length > open) spans.push([open, text.length]);
        open = -1;
      }
    }
    text += raw.slice(from);
    if (open >= 0 && text.length > open) spans.push([open, text.length]);
    return { text, assistantSpans: spans, spansFrom: 'generation' };
  }

  const text = renderChat(template, messages, options, context);
  const end =
    options.endOfTurnToken ??
    (template.includes(CHATML_END) ? CHATML_END : (context.specialTokens.eos_token as string | undefined));
  const spans: [number, number][] = [];
  const plain = { ...options, addGenerationPrompt: false, continueFinalMessage: false };
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const before = render(template, messages.slice(0, i), true, plain, context);
    const upTo =
      i === messages.length - 1 && options.continueFinalMessage
        ? text
        : render(template, messages.slice(0, i + 1), false, plain, context);
    if (!upTo.startsWith(before) || !text.startsWith(upTo)) {
      throw new ChatTemplateError(
        `messages[${i}]: cannot find the assistant reply — the template renders earlier messages differently once it is appended; mark replies with {% generation %}…{% endgeneration %} in the template`,
      );
    }
    let stop = upTo.length;
    if (end) {
      const at = upTo.lastIndexOf(end);
      if (at >= before.length) stop = at + end.length;
    }
    if (stop > before.length) spans.push([before.length, stop]);
  });
  return { text, assistantSpans: spans, spansFrom: 'prefixes' };
}

/**
 * Marks the tokens that overlap the spans (HF: from `char_to_token(start)` to
 * `char_to_token(end - 1)`), given each token's `[start, end)` offsets in the text.
 */
export function spansToTokenMask(
  offsets: readonly (readonly [number, number])[],
  spans: readonly [number, number][],
): number[] {
  const mask = new Array<number>(offsets.length).fill(0);
  let k = 0;
  for (const [s, e] of spans) {
    while (k < offsets.length && offsets[k][1] <= s) k++;
    for (let j = k; j < offsets.length && offsets[j][0] < e; j++) {
      if (offsets[j][1] > s) mask[j] = 1;
    }
  }
  return mask;
}
