import { type GenerateOptions, type GPT2LMHeadModel, generateStream } from '@gptft/heads';
import type { GPT2Tokenizer } from '@gptft/tokenizer';

/** Decoding settings of the CLI (transformers' names in camelCase), resolved from flags and generation_config.json. */
export interface DecodeSettings {
  maxNewTokens: number;
  doSample: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
  /** Ids that end the reply (not included in the returned ids). */
  stopIds?: readonly number[];
}

/** A generated reply: the new ids (a stop id that ended it left out) and their text. */
export interface Reply {
  ids: number[];
  text: string;
  /** Whether a stop id ended the reply (rather than the token limit or the context). */
  stopped: boolean;
  /** Whether `signal` stopped the reply midway (then `text` is what was decoded, `ids` its tokens). */
  interrupted: boolean;
  /** Prompt tokens cut from the left to make room in the context (0 when the prompt fit). */
  promptTokensDropped: number;
  /** The most tokens the reply could have: `maxNewTokens`, capped by the context. */
  maxNewTokens: number;
}

/**
 * One reply of `model` to `promptIds`, decoded by `@gptft/heads`' `generateStream` (KV cache,
 * greedy or sampling, repetition penalty, stop ids as eos ids). `onPiece` gets the text as it is
 * decoded, in pieces that never split a UTF-8 character. What the CLI adds: the prompt is cut from
 * the left to leave room for `maxNewTokens` in the model's context and decoding stops when the
 * context is full — a `maxNewTokens` that cannot fit the context at all is capped instead, keeping
 * the prompt (up to half the context); `promptTokensDropped` tells what was cut. Every decoding
 * setting is passed explicitly, so generation_config.json only counts through `settings`.
 */
export async function generateReply(
  model: GPT2LMHeadModel,
  tokenizer: GPT2Tokenizer,
  promptIds: readonly number[],
  settings: DecodeSettings,
  onPiece: (text: string) => void = () => {},
  control: { signal?: AbortSignal } = {},
): Promise<Reply> {
  const ctxLen = model.config.nPositions;
  if (promptIds.length === 0) throw new Error('generate: the prompt is empty');
  const room =
    settings.maxNewTokens >= ctxLen
      ? Math.min(promptIds.length, Math.ceil(ctxLen / 2))
      : Math.max(1, ctxLen - settings.maxNewTokens);
  const prompt = promptIds.length > room ? promptIds.slice(promptIds.length - room) : [...promptIds];
  const maxNewTokens = Math.min(settings.maxNewTokens, ctxLen - prompt.length);
  const options: GenerateOptions & { tokenizer: GPT2Tokenizer } = {
    tokenizer,
    maxNewTokens,
    doSample: settings.doSample,
    temperature: settings.temperature ?? 1,
    topK: settings.topK ?? 0,
    topP: settings.topP ?? 1,
    repetitionPenalty: settings.repetitionPenalty ?? 1,
    eosTokenId: settings.stopIds?.length ? [...settings.stopIds] : null,
    stopStrings: undefined,
    skipSpecialTokens: true,
    seed: settings.seed ?? Math.floor(Math.random() * 2 ** 32),
    ...(control.signal && { signal: control.signal }),
  };
  const common = { promptTokensDropped: promptIds.length - prompt.length, maxNewTokens };
  // generateStream lets the event loop run between tokens: keys typed meanwhile echo, Ctrl-C is seen.
  const stream = generateStream(model, prompt, options);
  const pieces: string[] = [];
  let next: IteratorResult<string, Awaited<ReturnType<typeof stream.next>>['value']>;
  try {
    next = await stream.next();
    while (!next.done) {
      pieces.push(next.value);
      onPiece(next.value);
      next = await stream.next();
    }
  } catch (e) {
    if (!control.signal?.aborted) throw e;
    const text = pieces.join('');
    return { ids: tokenizer.encode(text), text, stopped: false, interrupted: true, ...common };
  }
  const result = next.value as Exclude<typeof next.value, string>;
  const stopped = result.finishReason === 'eos';
  return {
    ids: stopped ? result.ids.slice(0, -1) : result.ids,
    text: result.text,
    stopped,
    interrupted: false,
    ...common,
  };
}
