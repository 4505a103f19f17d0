/**
 * The chat collator on real conversations: FastChat's dummy_conversation.json (500 ShareGPT
 * conversations, 2–6 turns) and Alpaca records, with GPT-2's tokenizer set up for ChatML.
 */
import { readFileSync } from 'node:fs';
import { readRepoData, sharedDataOrSkip } from '@gptft/tooling/test-data';
import { GPT2Tokenizer, setupChatFormat } from '@gptft/tokenizer';
import { describe, expect, it } from 'vitest';
import {
  type ChatExample,
  chatCollator,
  DataError,
  IGNORE_INDEX,
  Packer,
  type ShareGptRecord,
  tokenizeChat,
  toChatMessages,
} from '../src/index.js';

// FastChat's dummy_conversation.json (Apache-2.0) is in the repository (test-data/fastchat); the
// Alpaca sample is CC BY-NC 4.0 and only in the shared data folder.
const ALPACA = sharedDataOrSkip(
  'fastchat/alpaca_data_cleaned_1000.json',
  'chat-collator: "Alpaca records: the output is the label"',
  'Alpaca is CC BY-NC 4.0, non-commercial',
);

function chatTokenizer(): GPT2Tokenizer {
  const tok = GPT2Tokenizer.gpt2();
  setupChatFormat(tok); // <|im_start|> = 50257, <|im_end|> = 50258, ChatML with {% generation %}
  return tok;
}

/** Maximal runs of positions whose label is not -100: [start, end) pairs. */
function labelRuns(labels: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === IGNORE_INDEX) continue;
    const start = i;
    while (i < labels.length && labels[i] !== IGNORE_INDEX) i++;
    runs.push([start, i]);
  }
  return runs;
}

describe('assistant-only labels on FastChat dummy_conversation.json (ShareGPT)', () => {
  const records: ShareGptRecord[] = JSON.parse(readRepoData('fastchat', 'dummy_conversation.json.gz'));
  const tok = chatTokenizer();
  const imStart = tok.tokenToId('<|im_start|>')!;
  const imEnd = tok.tokenToId('<|im_end|>')!;
  const newline = tok.encode('\n')[0]!;
  const assistantPrompt = tok.encode('<|im_start|>assistant\n', { allowedSpecial: 'all' });

  it('every conversation: labels = the assistant replies plus <|im_end|>, everything else -100', () => {
    expect(records).toHaveLength(500);
    let labelled = 0;
    let total = 0;
    for (const [k, record] of records.entries()) {
      const ex = tokenizeChat(record, { tokenizer: tok });
      const replies = record.conversations.filter((t) => t.from === 'gpt').map((t) => t.value);
      const users = record.conversations.filter((t) => t.from === 'human').map((t) => t.value);
      const where = `conversation ${k} (${record.id})`;
      // The ids are the whole rendered conversation.
      expect(tok.decode(ex.inputIds), where).toBe(
        record.conversations
          .map((t) => `<|im_start|>${t.from === 'gpt' ? 'assistant' : 'user'}\n${t.value}<|im_end|>\n`)
          .join(''),
      );
      // One labelled run per reply; each decodes to exactly the reply and its end token.
      const runs = labelRuns(ex.labels);
      expect(runs.length, where).toBe(replies.length);
      runs.forEach(([s, e], i) => {
        expect(tok.decode(ex.labels.slice(s, e)), where).toBe(`${replies[i]}<|im_end|>`);
        expect(ex.labels.slice(s, e)).toEqual(ex.inputIds.slice(s, e)); // labels are the ids (unshifted)
        // Just before: the scaffolding "<|im_start|>assistant\n", unlabelled; just after: "\n", unlabelled.
        expect(ex.inputIds.slice(s - assistantPrompt.length, s)).toEqual(assistantPrompt);
        expect(ex.labels[e - 1]).toBe(imEnd);
        expect(ex.inputIds[e]).toBe(newline);
      });
      // Counted independently: each reply tokenized alone plus its <|im_end|>.
      const expectedCount = replies.reduce((n, r) => n + tok.encode(r).length + 1, 0);
      const count = ex.labels.filter((l) => l !== IGNORE_INDEX).length;
      expect(count, where).toBe(expectedCount);
      // Everything unlabelled: the user turns and the template; each user message is in there.
      const masked = ex.inputIds.filter((_, i) => ex.labels[i] === IGNORE_INDEX);
      const maskedText = tok.decode(masked);
      for (const u of users) expect(maskedText).toContain(`<|im_start|>user\n${u}<|im_end|>\n`);
      expect(masked.filter((id) => id === imStart)).toHaveLength(record.conversations.length);
      labelled += count;
      total += ex.labels.length;
    }
    // The identity data has short replies: about a third of the tokens are labelled.
    expect(labelled / total).toBeGreaterThan(0.2);
    expect(labelled / total).toBeLessThan(0.8);
  });

  it('assistantOnlyLoss: false labels every token', () => {
    for (const record of records.slice(0, 50)) {
      const ex = tokenizeChat(record, { tokenizer: tok, assistantOnlyLoss: false });
      expect(ex.labels).toEqual(ex.inputIds);
    }
  });

  it('a template without {% generation %} (Zephyr) is masked from rendered prefixes', () => {
    const zephyr =
      "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";
    const gpt2 = GPT2Tokenizer.gpt2();
    for (const record of records.filter((r) => r.conversations.length === 6).slice(0, 20)) {
      const ex = tokenizeChat(record, { tokenizer: gpt2, chatTemplate: zephyr });
      const replies = record.conversations.filter((t) => t.from === 'gpt').map((t) => t.value);
      expect(labelRuns(ex.labels).map(([s, e]) => gpt2.decode(ex.labels.slice(s, e)))).toEqual(
        replies.map((r) => `${r}<|endoftext|>`),
      );
    }
  });

  it('maxLength truncates ids and labels together', () => {
    const record = records.find((r) => r.conversations.length === 6)!;
    const full = tokenizeChat(record, { tokenizer: tok });
    const cut = tokenizeChat(record, { tokenizer: tok, maxLength: 40 });
    expect(cut.inputIds).toEqual(full.inputIds.slice(0, 40));
    expect(cut.labels).toEqual(full.labels.slice(0, 40));
    expect(() => tokenizeChat(record, { tokenizer: tok, maxLength: 0 })).toThrow(/maxLength/);
  });

  it('chatCollator pads records into a causal-LM batch (-100 on padding)', () => {
    const collate = chatCollator({ tokenizer: tok, padTokenId: tok.padTokenId! });
    const batch = collate(records.slice(0, 3));
    const rows = records.slice(0, 3).map((r) => tokenizeChat(r, { tokenizer: tok }));
    const T = Math.max(...rows.map((r) => r.inputIds.length));
    expect(batch.shape).toEqual([3, T]);
    expect(batch.labelsShape).toEqual([3, T]);
    rows.forEach((r, b) => {
      const n = r.inputIds.length;
      expect([...batch.inputIds.subarray(b * T, b * T + n)]).toEqual(r.inputIds);
      expect([...batch.labels.subarray(b * T, b * T + n)]).toEqual(r.labels);
      expect([...batch.labels.subarray(b * T + n, (b + 1) * T)].every((l) => l === IGNORE_INDEX)).toBe(true);
      expect([...batch.attentionMask.subarray(b * T, (b + 1) * T)]).toEqual([
        ...Array(n).fill(1),
        ...Array(T - n).fill(0),
      ]);
      expect([...batch.inputIds.subarray(b * T + n, (b + 1) * T)].every((id) => id === imEnd)).toBe(true);
    });
    expect(batch.numTokens).toBe(rows.reduce((s, r) => s + r.inputIds.length, 0));
  });

  it('packs with the Packer, keeping the assistant labels', () => {
    const examples: ChatExample[] = records.slice(0, 40).map((r) => tokenizeChat(r, { tokenizer: tok }));
    const packer = new Packer({ blockSize: 128, eosTokenId: null, isolateDocuments: false });
    const blocks = [...examples.flatMap((e) => packer.add(e)), ...packer.finish()];
    expect(blocks.every((b) => b.inputIds.length === 128)).toBe(true);
    const ids = blocks.flatMap((b) => b.inputIds);
    const labels = blocks.flatMap((b) => b.labels);
    expect(ids).toEqual(examples.flatMap((e) => e.inputIds).slice(0, ids.length));
    expect(labels).toEqual(examples.flatMap((e) => e.labels).slice(0, labels.length));
  });
});

describe('record formats', () => {
  const tok = chatTokenizer();

  it('chat, ShareGPT and Alpaca records give the same conversation', () => {
    const chat = {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
    };
    const sharegpt = {
      conversations: [
        { from: 'human', value: 'Hi' },
        { from: 'gpt', value: 'Hello!' },
      ],
    };
    const alpaca = { instruction: 'Hi', input: '', output: 'Hello!' };
    const a = tokenizeChat(chat, { tokenizer: tok });
    expect(tokenizeChat(sharegpt, { tokenizer: tok })).toEqual(a);
    expect(tokenizeChat(alpaca, { tokenizer: tok })).toEqual(a);
    expect(tok.decode(a.labels.filter((l) => l !== IGNORE_INDEX))).toBe('Hello!<|im_end|>');
    expect(
      toChatMessages({ instruction: 'Sum', input: '1 2', output: '3' }, { alpaca: { system: 'Be brief.' } }),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Sum\n\n1 2' },
      { role: 'assistant', content: '3' },
    ]);
  });

  it.skipIf(!ALPACA)('Alpaca records: the output is the label', () => {
    const records = JSON.parse(readFileSync(ALPACA!, 'utf8')).slice(0, 100);
    for (const r of records) {
      const ex = tokenizeChat(r, { tokenizer: tok });
      expect(tok.decode(ex.labels.filter((l) => l !== IGNORE_INDEX))).toBe(`${r.output}<|im_end|>`);
    }
  });

  it('bad records are DataErrors naming the field', () => {
    expect(() => tokenizeChat({ conversations: [{ from: 'bot', value: 'x' }] }, { tokenizer: tok })).toThrow(
      /conversations\[0\]\.from/,
    );
    expect(() => tokenizeChat({ messages: [{ role: 'user' }] }, { tokenizer: tok })).toThrow(DataError);
    expect(() => tokenizeChat({ text: 'hello' }, { tokenizer: tok })).toThrow(/not a conversation/);
    expect(() => tokenizeChat({ messages: [] }, { tokenizer: tok }, { file: 'data.jsonl', line: 7 })).toThrow(
      /^data\.jsonl:7: messages/,
    );
  });
});
