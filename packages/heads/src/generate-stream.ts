import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { encodePrompts, type GenerateOptions, type GenerateTextResult, GenerationRun } from './generate.js';
import type { GPT2LMHeadModel } from './lm-head.js';

/** Lets timers and I/O run (an abort from a timer or a request handler) between decoding steps. */
// setImmediate in Node; a page has none (a macrotask through setTimeout there).
const yieldToEventLoop = () =>
  new Promise<void>((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );

/**
 * Streaming generation for one prompt (text, or ids as `number[]`): an async iterable of text pieces
 * as they are decoded. A piece never splits a character whose UTF-8 bytes span several tokens (the
 * tokenizer's stream decoder holds bytes back until the character is complete), and nothing after a
 * stop string is ever yielded. Joined, the pieces equal `generate(...)`'s `text`; the generator's
 * return value (`.next()` once done) is that {@link GenerateTextResult}.
 *
 * `options.signal`: aborting stops decoding before the next step; the iteration then throws
 * `signal.reason`. Leaving the loop early (`break`) also stops. Either way the KV cache is freed.
 */
export async function* generateStream(
  model: GPT2LMHeadModel,
  prompt: string | number[],
  options: GenerateOptions & { tokenizer: GPT2Tokenizer },
): AsyncGenerator<string, GenerateTextResult, undefined> {
  const tokenizer = options.tokenizer;
  if (!tokenizer) throw new Error('generateStream: needs options.tokenizer');
  if (options.streamer) throw new Error('generateStream: is a stream already; leave options.streamer out');
  const merged = { ...model.generationConfig, ...options };
  if ((merged.numBeams ?? 1) > 1 || (merged.numReturnSequences ?? 1) > 1)
    throw new Error('generateStream: streams one sequence; numBeams and numReturnSequences must be 1');
  const ids = typeof prompt === 'string' ? encodePrompts(tokenizer, [prompt]).inputIds : [prompt];
  const { signal } = options;
  signal?.throwIfAborted();
  const run = new GenerationRun(model, ids, { ...options, attentionMask: undefined } as GenerateOptions);
  const text = run.text!;
  let sent = 0;
  try {
    for (;;) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
      if (!(await run.stepAsync())) break;
      const visible = text.visible(0);
      if (visible.length > sent) {
        const piece = visible.slice(sent);
        sent = visible.length;
        yield piece;
      }
    }
  } finally {
    run.dispose();
  }
  return run.textResults([typeof prompt === 'string' ? prompt : tokenizer.decode(prompt)])[0]!;
}
