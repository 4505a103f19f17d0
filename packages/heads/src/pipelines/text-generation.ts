import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { type GenerateOptions, generate } from '../generate.js';
import { generateStream } from '../generate-stream.js';
import type { GPT2LMHeadModel } from '../lm-head.js';

/** Options of the text-generation pipeline: `generate`'s, plus what the pipeline returns. */
export interface TextGenerationOptions extends Omit<GenerateOptions, 'tokenizer' | 'attentionMask'> {
  /** Prepend the prompt to `generated_text` (default true, as transformers). */
  returnFullText?: boolean;
}

/** One generated text (transformers' key). */
export interface TextGenerationResult {
  generated_text: string;
}

/** transformers' `TextGenerationPipeline`: prompts in, `[{generated_text}]` out (batched prompts left-padded). */
export class TextGenerationPipeline {
  readonly task = 'text-generation';
  constructor(
    readonly model: GPT2LMHeadModel,
    readonly tokenizer: GPT2Tokenizer,
    readonly defaults: TextGenerationOptions = {},
  ) {}

  /** One prompt → `[{generated_text}]`; several → one such list per prompt. */
  run(prompts: string, options?: TextGenerationOptions): TextGenerationResult[];
  run(prompts: readonly string[], options?: TextGenerationOptions): TextGenerationResult[][];
  run(
    prompts: string | readonly string[],
    options: TextGenerationOptions = {},
  ): TextGenerationResult[] | TextGenerationResult[][] {
    const { returnFullText, ...gen } = { ...this.defaults, ...options };
    const results = generate(this.model, prompts, { ...gen, tokenizer: this.tokenizer });
    const out = results.map((r) => [
      { generated_text: (returnFullText ?? true) ? r.prompt + r.text : r.text },
    ]);
    return typeof prompts === 'string' ? out[0]! : out;
  }

  /** The new text of one prompt as it is generated (see `generateStream`). */
  stream(prompt: string, options: TextGenerationOptions = {}): AsyncGenerator<string> {
    const { returnFullText: _, ...gen } = { ...this.defaults, ...options };
    return generateStream(this.model, prompt, { ...gen, tokenizer: this.tokenizer });
  }
}
