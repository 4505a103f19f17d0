import { sharedDataOrSkip } from '@gptft/tooling/test-data';
import { describe, expect, it } from 'vitest';
import {
  alpacaRecord,
  alpacaToChat,
  chatRecord,
  loadDataset,
  readFiles,
  shareGptRecord,
  shareGptToChat,
  streamFiles,
} from '../src/index.js';
import { collect, fixture } from './helpers.js';

describe('ShareGPT (FastChat dummy_conversation.json)', () => {
  it('validates and converts to chat: human → user, gpt → assistant, order and text kept', async () => {
    const ds = await readFiles([fixture('dummy-conversation-excerpt.json')], { schema: shareGptRecord });
    expect(ds.length).toBe(12);
    const chats = ds.map(shareGptToChat).validate(chatRecord);
    const third = chats.get(2);
    expect(third).toEqual({
      messages: [
        { role: 'user', content: 'What is up?' },
        { role: 'assistant', content: 'Hello! How can I help you today?' },
        { role: 'user', content: 'Who are you?' },
        {
          role: 'assistant',
          content:
            'You can call me Vicuna, and I was trained by Large Model Systems Organization (LMSYS) researchers as a language model.',
        },
        { role: 'user', content: 'Goodbye' },
        {
          role: 'assistant',
          content: "Goodbye! If you have any more questions in the future, don't hesitate to ask.",
        },
      ],
    });
    for (const c of chats) {
      expect(c.messages.map((m) => m.role)).toEqual(
        c.messages.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')),
      );
    }
    expect(
      shareGptToChat({
        conversations: [
          { from: 'system', value: 'Be brief.' },
          { from: 'human', value: 'Hi' },
        ],
      }),
    ).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  it('streams from the gzip copy with the same result', async () => {
    const stream = streamFiles([fixture('dummy-conversation-excerpt.json.gz')], {
      schema: shareGptRecord,
    }).map(shareGptToChat);
    const chats = await collect(stream);
    expect(chats).toEqual(
      (await readFiles([fixture('dummy-conversation-excerpt.json')], { schema: shareGptRecord }))
        .map(shareGptToChat)
        .toArray(),
    );
  });
});

describe('Alpaca', () => {
  it('self-instruct seed tasks flattened to Alpaca records, then to chat', async () => {
    const tasks = await readFiles([fixture('seed-tasks-excerpt.jsonl')]);
    const alpaca = tasks
      .map((t) => {
        const task = t as { instruction: string; instances: { input: string; output: string }[] };
        return {
          instruction: task.instruction,
          input: task.instances[0].input,
          output: task.instances[0].output,
        };
      })
      .validate(alpacaRecord);
    expect(alpaca.length).toBe(20);
    const chat = alpaca.map((r) => alpacaToChat(r)).validate(chatRecord);
    const last = alpaca.get(19);
    expect(chat.get(19)).toEqual({
      messages: [
        { role: 'user', content: `${last.instruction}\n\n${last.input}` },
        { role: 'assistant', content: last.output },
      ],
    });
    expect(last.input).toBe('Machine Learning and Data Mining');
    expect(
      alpacaToChat({ instruction: 'Say hi.', input: '', output: 'Hi!' }, { system: 'You are helpful.' }),
    ).toEqual({
      messages: [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'Say hi.' },
        { role: 'assistant', content: 'Hi!' },
      ],
    });
    expect(alpacaRecord.parse({ instruction: 'a', output: 'b' })).toEqual({
      instruction: 'a',
      input: '',
      output: 'b',
    });
  });

  // FastChat's Alpaca 1k sample is CC BY-NC 4.0, so it is not copied into the repo; it is read in
  // place when the project's shared data folder is present.
  const alpacaFile = sharedDataOrSkip(
    'fastchat/alpaca_data_cleaned_1000.json',
    'schemas: "reads the 1,000-record Alpaca JSON array from shared/data"',
    'Alpaca is CC BY-NC 4.0, non-commercial',
  );
  it.skipIf(!alpacaFile)('reads the 1,000-record Alpaca JSON array from shared/data', async () => {
    const ds = await loadDataset(alpacaFile!, { split: 'train', schema: alpacaRecord });
    expect(ds.length).toBe(1000);
    expect(ds.get(0).instruction).toBe('Give three tips for staying healthy.');
    expect(ds.map((r) => alpacaToChat(r)).validate(chatRecord).length).toBe(1000);
  });
});
