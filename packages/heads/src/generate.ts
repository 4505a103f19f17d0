import { mulberry32, tf } from '@gptft/backend';
import { disposePast, type PastKeyValues } from '@gptft/gpt2-model';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { GeneratedText } from './generation/generated-text.js';
import {
  buildLogitsProcessors,
  type LogitsProcessor,
  LogitsProcessorList,
} from './generation/logits-processors.js';
import { EosTokenCriteria, type FinishReason, StopStringCriteria } from './generation/stopping-criteria.js';
import type { Streamer } from './generation/text-streamer.js';
import { argmax, sampleFromScores } from './generation/token-selection.js';
import type { GPT2LMHeadModel } from './lm-head.js';

/** Options of {@link generate} (those from `generation_config.json` are defaults). */
export interface GenerateOptions {
  /** Tokens to add to each prompt (default 20). */
  maxNewTokens?: number;
  /** Stop a row once it produced one of these ids (default: the config's `eos_token_id`; `null`: never). */
  eosTokenId?: number | number[] | null;
  /** Id written after a row finished (default: the config's `pad_token_id`, else the first eos id). */
  padTokenId?: number;
  /** Sample instead of greedy argmax (default false). */
  doSample?: boolean;
  /** Divides the logits before sampling (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens when sampling (0 or absent: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p when sampling (default 1). */
  topP?: number;
  /** Seed of the sampling RNG (reproducible sampling). */
  seed?: number;
  /** Reuse keys/values of earlier positions (default true); false re-runs the whole sequence each step. */
  useCache?: boolean;
  /** [B, T] mask of id prompts (1 = token, 0 = left padding); rows keep the positions of unpadded ones. */
  attentionMask?: number[][];
  /** transformers' `repetition_penalty` (> 1 discourages ids already in the row; default 1). */
  repetitionPenalty?: number;
  /**
   * Stop a row when its generated text contains one of these strings (checked on decoded text, so
   * a string that ends inside a token counts; the output text ends right after it). Needs `tokenizer`.
   */
  stopStrings?: string | string[];
  /** Tokenizer for text prompts, text results and stop strings. */
  tokenizer?: GPT2Tokenizer;
  /** Leave special tokens (`<|endoftext|>`) out of result text (default true, as transformers' pipeline). */
  skipSpecialTokens?: boolean;
  /** Extra score rewriting, run after the built-in processors. */
  logitsProcessors?: LogitsProcessor[];
  /** Receives the prompt ids, then each step's new ids (batch of one; see `TextStreamer`). */
  streamer?: Streamer;
  /** Aborting it stops decoding before the next step; `generate` then throws `signal.reason`, tensors freed. */
  signal?: AbortSignal;
}

/** One prompt's result when `generate` gets text. */
export interface GenerateTextResult {
  /** The prompt as given. */
  prompt: string;
  /** The generated text (prompt excluded), ending right after a stop string when one was hit. */
  text: string;
  /** The generated ids (no padding; the token that completed a stop string included). */
  ids: number[];
  /** The prompt's ids (unpadded) followed by `ids`. */
  sequence: number[];
  finishReason: FinishReason;
}

/** One sampled id from a row of logits with temperature, top-k and top-p (transformers' warper order). */
export function sampleToken(
  row: Float32Array,
  rand: () => number,
  opts: { temperature?: number; topK?: number; topP?: number },
): number {
  const scores = buildLogitsProcessors({ ...opts, doSample: true }).process([], row.slice());
  return sampleFromScores(scores, rand);
}

/** Tokenizes text prompts into a left-padded batch (the positions of each row start at its first token). */
export function encodePrompts(
  tokenizer: GPT2Tokenizer,
  prompts: readonly string[],
): { inputIds: number[][]; attentionMask?: number[][] } {
  if (prompts.length === 0) throw new Error('generate: no prompts');
  const batch = tokenizer.call(prompts as string[], { padding: 'longest', paddingSide: 'left' });
  for (const [i, m] of batch.attentionMask.entries())
    if (!m.includes(1)) throw new Error(`generate: prompt ${i} is empty (it has no tokens)`);
  const padded = batch.attentionMask.some((m) => m.includes(0));
  return { inputIds: batch.inputIds, ...(padded && { attentionMask: batch.attentionMask }) };
}

/**
 * The state of one `generate` call: a batch of rows decoded one token per {@link step}, with the
 * KV cache held between steps. `dispose()` frees the cache (call it in `finally`).
 */
export class GenerationRun {
  readonly options: GenerateOptions;
  /** Rows: prompt (padded) + generated ids, finished rows filled with the pad id. */
  readonly seqs: number[][];
  /** Generated ids per row (no padding). */
  readonly newIds: number[][];
  /** Prompt ids per row, without padding. */
  readonly prompts: number[][];
  readonly finishReasons: Array<FinishReason | undefined>;
  /** The rows' generated text, when there is a tokenizer. */
  readonly text: GeneratedText | undefined;
  private readonly maxNewTokens: number;
  private readonly eos: EosTokenCriteria;
  private readonly stop: StopStringCriteria | undefined;
  /** Per row, the prompt text's last `longest - 1` characters (stop strings may begin there). */
  private readonly stopContext: string[];
  private readonly pad: number;
  private readonly processors: LogitsProcessorList;
  private readonly rand: () => number;
  private readonly mask: number[][] | undefined;
  private past: PastKeyValues | undefined;
  private pending: number[][];
  private steps = 0;

  constructor(
    readonly model: GPT2LMHeadModel,
    inputIds: number[][],
    callOptions: GenerateOptions = {},
  ) {
    const options: GenerateOptions = { ...model.generationConfig, ...callOptions };
    this.options = options;
    this.maxNewTokens = options.maxNewTokens ?? 20;
    const t0 = inputIds[0]?.length ?? 0;
    if (inputIds.length === 0 || t0 === 0 || inputIds.some((r) => r.length !== t0)) {
      throw new Error('generate: inputIds must be a non-empty [B, T] array of equal-length rows');
    }
    const eosOpt = options.eosTokenId === undefined ? model.config.eosTokenId : options.eosTokenId;
    const eosIds = eosOpt === null || eosOpt === undefined ? [] : Array.isArray(eosOpt) ? eosOpt : [eosOpt];
    this.eos = new EosTokenCriteria(eosIds);
    const cfgPad = model.config.padTokenId;
    this.pad = options.padTokenId ?? (typeof cfgPad === 'number' ? cfgPad : (eosIds[0] ?? 0));
    if (options.stopStrings !== undefined) {
      if (!options.tokenizer) throw new Error('generate: stopStrings needs a tokenizer (options.tokenizer)');
      this.stop = new StopStringCriteria(options.stopStrings);
    }
    this.text = options.tokenizer
      ? new GeneratedText(options.tokenizer, inputIds.length, options.skipSpecialTokens ?? true)
      : undefined;
    this.processors = new LogitsProcessorList([
      ...buildLogitsProcessors(options).processors,
      ...(options.logitsProcessors ?? []),
    ]);
    this.rand = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.seqs = inputIds.map((r) => [...r]);
    this.newIds = inputIds.map(() => []);
    this.finishReasons = inputIds.map(() => undefined);
    this.mask = options.attentionMask?.map((r) => [...r]);
    if (this.mask && (this.mask.length !== this.seqs.length || this.mask.some((r) => r.length !== t0))) {
      throw new Error(`generate: attentionMask must have the shape of inputIds [${this.seqs.length}, ${t0}]`);
    }
    if (options.streamer && inputIds.length !== 1)
      throw new Error('generate: a streamer needs a batch of one');
    this.pending = inputIds;
    this.prompts = inputIds.map((r, i) => (this.mask ? r.filter((_, t) => this.mask![i]![t] === 1) : [...r]));
    const stop = this.stop;
    const tok = options.tokenizer;
    this.stopContext = this.prompts.map((p) =>
      stop && tok && stop.longest > 1
        ? tok
            .decode(p, {
              skipSpecialTokens: options.skipSpecialTokens ?? true,
              cleanUpTokenizationSpaces: false,
            })
            .slice(1 - stop.longest)
        : '',
    );
    options.streamer?.put(this.prompts[0]!);
  }

  /** Whether every row finished or `maxNewTokens` were generated. */
  get done(): boolean {
    return this.steps >= this.maxNewTokens || this.finishReasons.every((r) => r !== undefined);
  }

  /** One forward pass and one new token per unfinished row; false when already done. */
  step(): boolean {
    if (this.done) return false;
    const model = this.model;
    const mask = this.mask;
    const out =
      (this.options.useCache ?? true)
        ? model.forward({
            inputIds: this.pending,
            pastKeyValues: this.past,
            useCache: true,
            logitsToKeep: 1,
            ...(mask && { attentionMask: mask }),
          })
        : model.forward({ inputIds: this.seqs, logitsToKeep: 1, ...(mask && { attentionMask: mask }) });
    disposePast(this.past);
    this.past = out.pastKeyValues;
    const b = this.seqs.length;
    const t = out.logits.shape[1]!;
    const last = tf.tidy(() => tf.reshape(tf.slice(out.logits, [0, t - 1, 0], [-1, 1, -1]), [b, -1]));
    out.logits.dispose();
    const values = last.dataSync() as Float32Array;
    const v = last.shape[1]!;
    last.dispose();
    this.pending = this.seqs.map((seq, i) => {
      let id = this.pad;
      if (this.finishReasons[i] === undefined) {
        const scores = this.processors.process(seq, values.slice(i * v, (i + 1) * v));
        id = this.options.doSample ? sampleFromScores(scores, this.rand) : argmax(scores);
        this.newIds[i]!.push(id);
        this.options.streamer?.put([id]);
        const before = this.text?.push(i, id) ?? 0;
        if (this.eos.isDone(id)) this.finishReasons[i] = 'eos';
        else if (this.stop && this.text) {
          // the prompt's last characters count too: a stop string may begin in the prompt
          const context = this.stopContext[i]!;
          const end = this.stop.find(context + this.text.raw(i), context.length + before);
          if (end !== undefined) {
            this.text.cut(i, end - context.length);
            this.finishReasons[i] = 'stop_string';
          }
        }
      }
      seq.push(id);
      if (mask) mask[i]!.push(1);
      return [id];
    });
    this.steps++;
    if (this.done) {
      for (const [i, r] of this.finishReasons.entries())
        if (r === undefined) this.finishReasons[i] = 'length';
      this.text?.finish();
      this.options.streamer?.end();
    }
    return true;
  }

  /** Frees the KV cache (idempotent). */
  dispose(): void {
    disposePast(this.past);
    this.past = undefined;
  }

  /** Text results (needs the tokenizer); `prompts` are the texts the rows came from. */
  textResults(prompts: readonly string[]): GenerateTextResult[] {
    const text = this.text;
    if (!text) throw new Error('generate: text results need a tokenizer');
    return this.newIds.map((ids, i) => ({
      prompt: prompts[i] ?? '',
      text: text.visible(i),
      ids: [...ids],
      sequence: [...this.prompts[i]!, ...ids],
      finishReason: this.finishReasons[i] ?? 'length',
    }));
  }
}

function runToEnd(run: GenerationRun): void {
  const signal = run.options.signal;
  try {
    for (;;) {
      signal?.throwIfAborted();
      if (!run.step()) break;
    }
  } finally {
    run.dispose();
  }
}

/**
 * Autoregressive decoding with the KV cache, as transformers' `generate`: greedy or sampling
 * (temperature, top-k, top-p), repetition penalty, eos ids, stop strings, left-padded batches.
 * Options given here override `model.generationConfig` (from `generation_config.json`).
 *
 * - Ids in (`[B, T]` rows, left padding described by `attentionMask`): returns each row followed
 *   by its new tokens; rows that finished are filled with the pad id.
 * - Text in (a string or several, with `options.tokenizer`): prompts are tokenized and left-padded;
 *   returns one {@link GenerateTextResult} per prompt (text and ids).
 */
export function generate(model: GPT2LMHeadModel, inputIds: number[][], options?: GenerateOptions): number[][];
export function generate(
  model: GPT2LMHeadModel,
  prompts: string | readonly string[],
  options: GenerateOptions & { tokenizer: GPT2Tokenizer },
): GenerateTextResult[];
export function generate(
  model: GPT2LMHeadModel,
  input: number[][] | string | readonly string[],
  options: GenerateOptions = {},
): number[][] | GenerateTextResult[] {
  if (typeof input === 'string' || (Array.isArray(input) && typeof input[0] === 'string')) {
    const prompts = typeof input === 'string' ? [input] : (input as unknown as readonly string[]);
    const tokenizer = options.tokenizer;
    if (!tokenizer) throw new Error('generate: text prompts need a tokenizer (options.tokenizer)');
    if (options.attentionMask)
      throw new Error('generate: attentionMask is for id prompts; text prompts make their own');
    const enc = encodePrompts(tokenizer, prompts);
    const run = new GenerationRun(model, enc.inputIds, {
      ...options,
      ...(enc.attentionMask && { attentionMask: enc.attentionMask }),
    });
    runToEnd(run);
    return run.textResults(prompts);
  }
  const run = new GenerationRun(model, input as number[][], options);
  runToEnd(run);
  return run.seqs;
}
