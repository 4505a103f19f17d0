// The response bodies against the `openai` package's own types (this file only typechecks if every
// body the server builds is assignable to the type the official client declares for it), and the
// stream-text rule for stop strings.
import { RowDecoder } from '@gptft/heads';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import type OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChoiceCursor,
  chatChunk,
  chatCompletionBody,
  completionBody,
  type PreparedCompletion,
  textChunk,
  usageChunk,
} from '../src/index.js';
import { FIXTURES } from './helpers.js';

let tokenizer: GPT2Tokenizer;
beforeAll(async () => {
  tokenizer = await GPT2Tokenizer.fromPretrained(`${FIXTURES}gpt2-tiny`);
});

/** A decoder fed a fixed token sequence (scores with one winner per step). */
function decoded(ids: number[], options: { stop?: string[]; maxNewTokens?: number } = {}): RowDecoder {
  const d = new RowDecoder([[1, 2]], {
    maxNewTokens: options.maxNewTokens ?? ids.length,
    eosTokenIds: [50256],
    padTokenId: 50256,
    tokenizer,
    ...(options.stop && { stopStrings: options.stop }),
  });
  for (const id of ids) {
    if (d.done) break;
    d.choose(() => {
      const s = new Float32Array(50257);
      s[id] = 1;
      return s;
    });
  }
  return d;
}

const prepared = (over: Partial<PreparedCompletion> = {}): PreparedCompletion => ({
  model: 'base',
  prompts: [[1, 2]],
  n: 1,
  decode: { maxNewTokens: 4, eosTokenIds: [50256], padTokenId: 50256 },
  stream: false,
  includeUsage: false,
  echo: undefined,
  ...over,
});

describe('response shapes (the openai package’s types)', () => {
  it('chat.completion, text_completion and their chunks are the client’s types', () => {
    const hello = tokenizer.encode(' Hello world');
    const d = decoded([...hello, 50256], { maxNewTokens: 8 });
    const chat: OpenAI.ChatCompletion = chatCompletionBody('chatcmpl-1', prepared(), [d]);
    expect(chat.choices[0]).toMatchObject({ message: { content: ' Hello world' }, finish_reason: 'stop' });
    expect(chat.usage).toEqual({
      prompt_tokens: 2,
      completion_tokens: hello.length + 1,
      total_tokens: hello.length + 3,
    });
    const text: OpenAI.Completion = completionBody('cmpl-1', prepared({ echo: ['Hi'] }), [d]);
    expect(text.choices[0]!.text).toBe('Hi Hello world');
    const c1: OpenAI.ChatCompletionChunk = chatChunk(
      'x',
      0,
      'base',
      0,
      { role: 'assistant', content: '' },
      null,
      true,
    );
    const c2: OpenAI.Completion = textChunk('x', 0, 'base', 0, ' Hi', 'length');
    const u: OpenAI.ChatCompletionChunk = usageChunk('chat', 'x', 0, 'base', chat.usage!);
    const v: OpenAI.Completion = usageChunk('text', 'x', 0, 'base', chat.usage!);
    expect([c1.object, c2.object, u.choices, v.object]).toEqual([
      'chat.completion.chunk',
      'text_completion',
      [],
      'text_completion',
    ]);
  });

  it('a stop string ends the text before it; streamed, nothing of it is ever sent', () => {
    const ids = tokenizer.encode(' The cat sat on the mat and slept');
    const d = new RowDecoder([[1, 2]], {
      maxNewTokens: ids.length,
      eosTokenIds: [],
      padTokenId: 0,
      tokenizer,
      stopStrings: ['on the m', 'zz'],
    });
    const cursor = new ChoiceCursor(d, 0, ['on the m', 'zz']);
    let sent = '';
    let finish: string | undefined;
    for (const id of ids) {
      if (d.done) break;
      d.choose(() => {
        const s = new Float32Array(50257);
        s[id] = 1;
        return s;
      });
      const { text, finish: f } = cursor.next();
      sent += text;
      finish = f ?? finish;
      expect(' The cat sat '.startsWith(sent)).toBe(true);
    }
    expect(sent).toBe(' The cat sat ');
    expect(finish).toBe('stop');
  });
});
