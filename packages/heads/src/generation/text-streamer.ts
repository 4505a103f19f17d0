import type { GPT2Tokenizer, StreamDecoder } from '@gptft/tokenizer';

/** What `generate` calls while decoding (transformers' `BaseStreamer`): the prompt ids, then each step's new ids. */
export interface Streamer {
  put(ids: readonly number[]): void;
  end(): void;
}

/** Options of {@link TextStreamer}. */
export interface TextStreamerOptions {
  /** Do not print the prompt (default false, as transformers). */
  skipPrompt?: boolean;
  /** Leave out `<|endoftext|>` and other special tokens (default true). */
  skipSpecialTokens?: boolean;
  /** Where text goes (default: `process.stdout.write`). */
  callback?: (text: string) => void;
}

/**
 * transformers' `TextStreamer` for one prompt: turns the ids `generate` hands it into text as they
 * arrive, through the tokenizer's stream decoder, so a character whose bytes are spread over several
 * tokens (🤖 is 3 GPT-2 tokens) is only written once complete. Text after a stop string may be
 * written before `generate` sees the stop string; `generateStream` has no such overhang.
 */
export class TextStreamer implements Streamer {
  private decoder: StreamDecoder;
  private promptSeen = false;
  private readonly callback: (text: string) => void;

  constructor(
    tokenizer: GPT2Tokenizer,
    private readonly options: TextStreamerOptions = {},
  ) {
    this.decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: options.skipSpecialTokens ?? true });
    this.callback =
      options.callback ??
      (typeof process === 'undefined' ? (t) => console.log(t) : (t) => process.stdout.write(t));
  }

  put(ids: readonly number[]): void {
    if (!this.promptSeen) {
      this.promptSeen = true;
      if (this.options.skipPrompt) return;
    }
    const text = this.decoder.push(ids);
    if (text) this.callback(text);
  }

  end(): void {
    const text = this.decoder.flush();
    if (text) this.callback(text);
    this.promptSeen = false;
  }
}
