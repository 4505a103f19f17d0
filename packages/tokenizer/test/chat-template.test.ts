/**
 * Chat templates: real HF models' templates (test/fixtures/chat-templates, see SOURCE.md) rendered
 * with @huggingface/jinja against renderings derived by hand from Jinja's rules with HF's
 * trim_blocks/lstrip_blocks; ChatML for GPT-2; assistant masks; save → load of the template.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHATML_TEMPLATE,
  type ChatMessage,
  ChatTemplateError,
  GPT2Tokenizer,
  renderChat,
  renderChatWithAssistantSpans,
  setupChatFormat,
} from '../src/index.js';
import { FIXTURES } from './helpers.js';

const template = (file: string): string =>
  JSON.parse(readFileSync(join(FIXTURES, 'chat-templates', `${file}.tokenizer_config.json`), 'utf8'))
    .chat_template;
const QWEN2 = template('Qwen2-0.5B-Instruct');
const ZEPHYR = template('zephyr-7b-beta');
const LLAMA2 = template('Llama-2-13b-chat-hf');

const chat: ChatMessage[] = [
  { role: 'system', content: 'You are a pirate.' },
  { role: 'user', content: 'Hello, how are you?' },
  { role: 'assistant', content: "I'm doing great. How can I help you today?" },
  { role: 'user', content: 'Tell me a joke.' },
];
const noSystem = chat.slice(1);
const llamaTokens = { templateVariables: { bos_token: '<s>', eos_token: '</s>' } };

describe('applyChatTemplate(…, { tokenize: false }) with real HF templates', () => {
  const tok = GPT2Tokenizer.gpt2();

  it('Qwen2 (ChatML with a default system message)', () => {
    expect(tok.applyChatTemplate(chat, { chatTemplate: QWEN2, tokenize: false })).toBe(
      '<|im_start|>system\nYou are a pirate.<|im_end|>\n' +
        '<|im_start|>user\nHello, how are you?<|im_end|>\n' +
        "<|im_start|>assistant\nI'm doing great. How can I help you today?<|im_end|>\n" +
        '<|im_start|>user\nTell me a joke.<|im_end|>\n',
    );
    expect(
      tok.applyChatTemplate(noSystem.slice(0, 1), {
        chatTemplate: QWEN2,
        tokenize: false,
        addGenerationPrompt: true,
      }),
    ).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('Zephyr (newlines after expressions stay; block tags eat theirs)', () => {
    const z = { templateVariables: { eos_token: '</s>' }, chatTemplate: ZEPHYR, tokenize: false } as const;
    expect(tok.applyChatTemplate(chat, z)).toBe(
      '<|system|>\nYou are a pirate.</s>\n<|user|>\nHello, how are you?</s>\n' +
        "<|assistant|>\nI'm doing great. How can I help you today?</s>\n<|user|>\nTell me a joke.</s>\n",
    );
    expect(tok.applyChatTemplate(chat, { ...z, addGenerationPrompt: true })).toMatch(
      /<\|user\|>\nTell me a joke\.<\/s>\n<\|assistant\|>\n$/,
    );
  });

  it('Llama-2 chat (system folded into the first [INST], raise_exception on bad roles)', () => {
    expect(tok.applyChatTemplate(chat, { ...llamaTokens, chatTemplate: LLAMA2, tokenize: false })).toBe(
      '<s>[INST] <<SYS>>\nYou are a pirate.\n<</SYS>>\n\nHello, how are you? [/INST]' +
        " I'm doing great. How can I help you today? </s>" +
        '<s>[INST] Tell me a joke. [/INST]',
    );
    expect(() =>
      tok.applyChatTemplate([{ role: 'assistant', content: 'hi' }], {
        chatTemplate: LLAMA2,
        tokenize: false,
      }),
    ).toThrow(ChatTemplateError);
    expect(() =>
      tok.applyChatTemplate([{ role: 'assistant', content: 'hi' }], {
        chatTemplate: LLAMA2,
        tokenize: false,
      }),
    ).toThrow(/Conversation roles must alternate/);
  });

  it('uses the special tokens of the tokenizer as template variables (GPT-2: <|endoftext|>)', () => {
    expect(tok.applyChatTemplate(chat.slice(0, 2), { chatTemplate: ZEPHYR, tokenize: false })).toBe(
      '<|system|>\nYou are a pirate.<|endoftext|>\n<|user|>\nHello, how are you?<|endoftext|>\n',
    );
  });

  it('continueFinalMessage cuts after the final message; it excludes addGenerationPrompt', () => {
    const prefill = [...noSystem.slice(0, 1), { role: 'assistant', content: 'Arr, I be' }];
    expect(
      tok.applyChatTemplate(prefill, { chatTemplate: QWEN2, tokenize: false, continueFinalMessage: true }),
    ).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\nArr, I be',
    );
    expect(() =>
      tok.applyChatTemplate(prefill, {
        tokenize: false,
        continueFinalMessage: true,
        addGenerationPrompt: true,
      }),
    ).toThrow(/cannot both be set/);
  });

  it('names bad messages and unparsable templates', () => {
    expect(() =>
      tok.applyChatTemplate([{ content: 'x' } as unknown as ChatMessage], { tokenize: false }),
    ).toThrow(/messages\[0\]/);
    expect(() =>
      tok.applyChatTemplate(chat, { chatTemplate: '{% for m in messages %}', tokenize: false }),
    ).toThrow(ChatTemplateError);
  });
});

describe('ChatML for GPT-2', () => {
  it('is the default when the tokenizer has no template, and renders as TRL writes ChatML', () => {
    const tok = GPT2Tokenizer.gpt2();
    expect(tok.chatTemplate).toBeUndefined();
    expect(tok.applyChatTemplate(noSystem, { tokenize: false, addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nHello, how are you?<|im_end|>\n' +
        "<|im_start|>assistant\nI'm doing great. How can I help you today?<|im_end|>\n" +
        '<|im_start|>user\nTell me a joke.<|im_end|>\n<|im_start|>assistant\n',
    );
    // The same text as TRL's setup_chat_format ChatML template (no generation blocks).
    const trl =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    for (const gen of [false, true]) {
      expect(tok.applyChatTemplate(chat, { tokenize: false, addGenerationPrompt: gen })).toBe(
        tok.applyChatTemplate(chat, { chatTemplate: trl, tokenize: false, addGenerationPrompt: gen }),
      );
    }
  });

  it('setupChatFormat adds <|im_start|>/<|im_end|> as special tokens, and the ids follow', () => {
    const tok = GPT2Tokenizer.gpt2();
    expect(setupChatFormat(tok)).toBe(2);
    expect(tok.vocabSize).toBe(50259);
    expect([tok.tokenToId('<|im_start|>'), tok.tokenToId('<|im_end|>')]).toEqual([50257, 50258]);
    expect([tok.bosToken, tok.eosToken, tok.padToken]).toEqual(['<|im_start|>', '<|im_end|>', '<|im_end|>']);
    expect(tok.chatTemplate).toBe(CHATML_TEMPLATE);
    const ids = tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true });
    // <|im_start|> user \n hi <|im_end|> \n <|im_start|> assistant \n
    expect(ids).toEqual([50257, 7220, 198, 5303, 50258, 198, 50257, 562, 10167, 198]);
    expect(tok.decode(ids)).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    expect(() => setupChatFormat(tok)).toThrow(/already has a chat template/);
    const keepEos = GPT2Tokenizer.gpt2();
    setupChatFormat(keepEos, { setSpecialTokens: false });
    expect(keepEos.eosToken).toBe('<|endoftext|>');
  });

  it('savePretrained keeps the template (and named templates) in tokenizer_config.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gptft-chat-'));
    try {
      const tok = GPT2Tokenizer.gpt2();
      setupChatFormat(tok);
      await tok.savePretrained(dir);
      const config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
      expect(config.chat_template).toBe(CHATML_TEMPLATE);
      expect(config.eos_token).toBe('<|im_end|>');
      const back = await GPT2Tokenizer.fromPretrained(dir);
      expect(back.chatTemplate).toBe(CHATML_TEMPLATE);
      expect(back.applyChatTemplate(chat)).toEqual(tok.applyChatTemplate(chat));

      back.chatTemplate = [
        { name: 'default', template: QWEN2 },
        { name: 'llama', template: LLAMA2 },
      ];
      await back.savePretrained(dir);
      const named = await GPT2Tokenizer.fromPretrained(dir);
      expect(named.applyChatTemplate(chat, { tokenize: false })).toBe(
        tok.applyChatTemplate(chat, { chatTemplate: QWEN2, tokenize: false }),
      );
      expect(named.applyChatTemplate(chat, { chatTemplate: 'llama', tokenize: false })).toMatch(
        /^<\|im_start\|>\[INST\]/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The texts of the runs of 1s in a mask. */
function maskedRuns(tok: GPT2Tokenizer, ids: number[], mask: number[]): string[] {
  const runs: string[] = [];
  const cur: number[] = [];
  ids.forEach((id, i) => {
    if (mask[i]) cur.push(id);
    else if (cur.length) runs.push(tok.decode(cur.splice(0)));
  });
  if (cur.length) runs.push(tok.decode(cur));
  return runs;
}

describe('assistant masks (HF return_assistant_tokens_mask)', () => {
  const replies = (msgs: ChatMessage[]) =>
    msgs.filter((m) => m.role === 'assistant').map((m) => m.content as string);
  const long: ChatMessage[] = [
    ...noSystem,
    { role: 'assistant', content: 'Why did the pirate learn the alphabet? For the Rs!' },
    { role: 'user', content: 'Ha. Another?' },
    { role: 'assistant', content: ' Leading and trailing spaces\n' },
  ];

  it('ChatML {% generation %}: each reply plus <|im_end|>, nothing else', () => {
    const tok = GPT2Tokenizer.gpt2();
    setupChatFormat(tok);
    const enc = tok.applyChatTemplate(long, { returnAssistantTokensMask: true });
    expect(enc.inputIds).toEqual(tok.applyChatTemplate(long));
    expect(enc.attentionMask.every((m) => m === 1)).toBe(true);
    expect(maskedRuns(tok, enc.inputIds, enc.assistantMasks!)).toEqual(
      replies(long).map((r) => `${r}<|im_end|>`),
    );
  });

  it('the generation markers leave the rendered text unchanged', () => {
    const tok = GPT2Tokenizer.gpt2();
    const ctx = { specialTokens: { eos_token: '<|endoftext|>' } };
    const r = renderChatWithAssistantSpans(CHATML_TEMPLATE, long, {}, ctx);
    expect(r.spansFrom).toBe('generation');
    expect(r.text).toBe(renderChat(CHATML_TEMPLATE, long, {}, ctx));
    expect(r.assistantSpans.map(([s, e]) => r.text.slice(s, e))).toEqual(
      replies(long).map((x) => `${x}<|im_end|>`),
    );
    expect(tok.applyChatTemplate(long, { tokenize: false })).toBe(r.text);
  });

  it('templates without {% generation %}: found from rendered prefixes (Qwen2, Zephyr, Llama-2)', () => {
    const tok = GPT2Tokenizer.gpt2();
    tok.addSpecialTokens({ additionalSpecialTokens: ['<|im_start|>', '<|im_end|>'] });
    const q = tok.applyChatTemplate(long, { chatTemplate: QWEN2, returnAssistantTokensMask: true });
    expect(maskedRuns(tok, q.inputIds, q.assistantMasks!)).toEqual(
      replies(long).map((r) => `${r}<|im_end|>`),
    );
    // Zephyr: the reply, then eos (GPT-2's <|endoftext|>); the newline after it is not labelled.
    const z = tok.applyChatTemplate(long, { chatTemplate: ZEPHYR, returnAssistantTokensMask: true });
    expect(maskedRuns(tok, z.inputIds, z.assistantMasks!)).toEqual(
      replies(long).map((r) => `${r}<|endoftext|>`),
    );
    // Llama-2: " " + stripped reply + " " + eos, as the template writes it.
    const l = tok.applyChatTemplate(long, { chatTemplate: LLAMA2, returnAssistantTokensMask: true });
    expect(maskedRuns(tok, l.inputIds, l.assistantMasks!)).toEqual(
      replies(long).map((r) => ` ${r.trim()} <|endoftext|>`),
    );
  });

  it('truncation cuts ids and mask together', () => {
    const tok = GPT2Tokenizer.gpt2();
    setupChatFormat(tok);
    const full = tok.applyChatTemplate(long, { returnAssistantTokensMask: true });
    const cut = tok.applyChatTemplate(long, {
      returnAssistantTokensMask: true,
      truncation: true,
      maxLength: 20,
    });
    expect(cut.inputIds).toEqual(full.inputIds.slice(0, 20));
    expect(cut.assistantMasks).toEqual(full.assistantMasks!.slice(0, 20));
  });
});
