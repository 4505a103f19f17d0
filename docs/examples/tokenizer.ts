// @gptft/tokenizer: GPT-2's exact ids, batches with padding and masks, special tokens that must be
// allowed explicitly, and a chat template.
//   npx tsx examples/tokenizer.ts
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { TINY_GPT2 } from './fixture.js';

export async function tokenizerTour() {
  const tok = GPT2Tokenizer.gpt2(); // GPT-2's vocabulary without files
  const fromFolder = await GPT2Tokenizer.fromPretrained(TINY_GPT2); // vocab.json + merges.txt

  const ids = tok.encode('Hello, my name is'); // [15496, 11, 616, 1438, 318]
  const text = tok.decode(ids);
  const pieces = tok.tokenize('Hello world'); // ['Hello', 'Ġworld']

  // A batch: right padding with <|endoftext|> (GPT-2 has no pad token), masks, truncation.
  const batch = tok.call(['Hello, my name is', 'Hi'], { padding: true, truncation: true, maxLength: 128 });
  // Left padding for generation.
  const left = tok.call(['Hello, my name is', 'Hi'], { padding: true, paddingSide: 'left' });

  // "<|endoftext|>" typed in a text is plain characters unless allowed.
  const plain = tok.encode('a<|endoftext|>b');
  const special = tok.encode('a<|endoftext|>b', { allowedSpecial: 'all' }); // [64, 50256, 65]

  // Chat template (ChatML unless the tokenizer_config.json has one).
  const prompt = tok.applyChatTemplate([{ role: 'user', content: 'Hi!' }], {
    tokenize: false,
    addGenerationPrompt: true,
  });
  console.log(ids, text, pieces, batch.attentionMask, left.inputIds[1], plain.length, special, prompt);
  return {
    ids,
    text,
    pieces,
    batch,
    left,
    plain,
    special,
    prompt,
    sameAsFolder: fromFolder.encode('Hello, my name is'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await tokenizerTour();
}
