// The playground's data path (docs/examples/browser-lora.ts), in Node: pasted text or chat JSONL
// becomes tokenized examples through @gptft/datasets' chat tokenization (ChatML when the tokenizer
// has no template), with errors that name the line.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { IGNORE_INDEX } from '@gptft/datasets';
import { describe, expect, it } from 'vitest';
import { trainingData } from '../examples/browser-lora.js';

const fixture = join(fileURLToPath(new URL('../../', import.meta.url)), 'fixtures/gpt2-tiny-ref/gpt2-tiny');
const tokenizer = await GPT2Tokenizer.fromPretrained(fixture);

describe('playground training data', () => {
  it('plain text: one example a line, ending in the end-of-text token, cut at maxLength', () => {
    const data = trainingData('Hello there.\n\n  A second line, longer than four tokens.  \n', tokenizer, 4);
    expect(data.kind).toBe('text');
    expect(data.examples).toHaveLength(2);
    expect(data.examples[0]!.inputIds).toEqual([...tokenizer.encode('Hello there.'), 50256]);
    expect(data.examples[1]!.inputIds).toEqual(
      tokenizer.encode('A second line, longer than four tokens.').slice(0, 4),
    );
    expect(data.examples[1]!.labels).toEqual(data.examples[1]!.inputIds);
  });

  it('chat JSONL: ChatML, loss on the assistant reply only', () => {
    const line = JSON.stringify({
      messages: [
        { role: 'user', content: 'Hi?' },
        { role: 'assistant', content: 'Hello!' },
      ],
    });
    const data = trainingData(`${line}\n${line}`, tokenizer, 64);
    expect(data.kind).toBe('chat');
    const [e] = data.examples;
    const text = tokenizer.decode(e!.inputIds);
    expect(text).toBe('<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n');
    const labelled = e!.labels.filter((l) => l !== IGNORE_INDEX);
    expect(tokenizer.decode(labelled)).toBe('Hello!<|im_end|>');
  });

  it('names the line of a bad record', () => {
    const good = JSON.stringify({ messages: [{ role: 'user', content: 'x' }] });
    expect(() => trainingData(`${good}\n{"messages": [`, tokenizer, 64)).toThrow(
      /^training data:2: not JSON/,
    );
    expect(() => trainingData(`${good}\n{"messages": [{"role": 3}]}`, tokenizer, 64)).toThrow(
      /^training data:2: messages\[0\]\.role: /,
    );
    expect(() => trainingData(' \n', tokenizer, 64)).toThrow(/paste some text/);
  });
});
