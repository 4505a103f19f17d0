import { tf } from '@gptft/backend';
import { disposePast, type PastKeyValues } from '@gptft/gpt2-model';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { beamSearch, type EarlyStopping } from './generation/beam-search.js';
import { buildLogitsProcessors, type LogitsProcessor } from './generation/logits-processors.js';
import { RowDecoder, type RowDecoderOptions } from './generation/row-decoder.js';
import type { FinishReason } from './generation/stopping-criteria.js';
import type { Streamer } from './generation/text-streamer.js';
import { sampleFromScores } from './generation/token-selection.js';
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
  /** OpenAI's `presence_penalty`: subtracted from the score of every id already generated (default 0). */
  presencePenalty?: number;
  /** OpenAI's `frequency_penalty`: subtracted once per earlier occurrence in the generated ids (default 0). */
  frequencyPenalty?: number;
  /** OpenAI's `logit_bias`: added to the scores of these ids. */
  logitBias?: Record<number, number>;
  /**
   * transformers' `num_return_sequences`: results per prompt (rows of a prompt follow each other).
   * With sampling each prompt is repeated this many times; with beam search the best hypotheses.
   */
  numReturnSequences?: number;
  /** transformers' `num_beams`: > 1 runs beam search (not with `doSample`; default 1). */
  numBeams?: number;
  /** Beam search: hypothesis score = sum of log-probabilities / generated length ** lengthPenalty (default 1). */
  lengthPenalty?: number;
  /** Beam search: stop when numBeams hypotheses finished (true), transformers' heuristic (false, default) or never early (`'never'`). */
  earlyStopping?: EarlyStopping;
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
  /** Beam search: the hypothesis' length-penalised score. */
  score?: number;
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
 * `options` over the model's `generation_config.json`, with the eos ids and the pad id resolved
 * as `generate` uses them (eos: the option, else the config's; pad: the option, else the config's
 * `pad_token_id`, else the first eos id, else 0).
 */
export function resolveGenerateOptions(
  model: GPT2LMHeadModel,
  callOptions: GenerateOptions = {},
): GenerateOptions & RowDecoderOptions {
  const options: GenerateOptions = { ...model.generationConfig, ...callOptions };
  const eosOpt = options.eosTokenId === undefined ? model.config.eosTokenId : options.eosTokenId;
  const eosTokenIds =
    eosOpt === null || eosOpt === undefined ? [] : Array.isArray(eosOpt) ? eosOpt : [eosOpt];
  const cfgPad = model.config.padTokenId;
  const padTokenId = options.padTokenId ?? (typeof cfgPad === 'number' ? cfgPad : (eosTokenIds[0] ?? 0));
  return { ...options, maxNewTokens: options.maxNewTokens ?? 20, eosTokenIds, padTokenId };
}

/**
 * The state of one `generate` call: a batch of rows decoded one token per {@link step}, with the
 * KV cache held between steps. What is done with each step's logits (processors, sampling, eos,
 * stop strings, text) is its {@link RowDecoder}. `dispose()` frees the cache (call it in `finally`).
 */
export class GenerationRun {
  readonly options: GenerateOptions;
  /** Per-row state: ids, generated ids, finish reasons, text. */
  readonly decoder: RowDecoder;
  private readonly mask: number[][] | undefined;
  private past: PastKeyValues | undefined;
  private pending: number[][];

  constructor(
    readonly model: GPT2LMHeadModel,
    inputIds: number[][],
    callOptions: GenerateOptions = {},
  ) {
    const options = resolveGenerateOptions(model, callOptions);
    this.options = options;
    const t0 = inputIds[0]?.length ?? 0;
    if (inputIds.length === 0 || t0 === 0 || inputIds.some((r) => r.length !== t0)) {
      throw new Error('generate: inputIds must be a non-empty [B, T] array of equal-length rows');
    }
    this.mask = options.attentionMask?.map((r) => [...r]);
    if (this.mask && (this.mask.length !== inputIds.length || this.mask.some((r) => r.length !== t0))) {
      throw new Error(`generate: attentionMask must have the shape of inputIds [${inputIds.length}, ${t0}]`);
    }
    this.decoder = new RowDecoder(inputIds, options, this.mask);
    this.pending = inputIds;
  }

  /** Rows: prompt (padded) + generated ids, finished rows filled with the pad id. */
  get seqs(): number[][] {
    return this.decoder.seqs;
  }
  /** Generated ids per row (no padding). */
  get newIds(): number[][] {
    return this.decoder.newIds;
  }
  /** Prompt ids per row, without padding. */
  get prompts(): number[][] {
    return this.decoder.prompts;
  }
  get finishReasons(): Array<FinishReason | undefined> {
    return this.decoder.finishReasons;
  }
  /** The rows' generated text, when there is a tokenizer. */
  get text() {
    return this.decoder.text;
  }

  /** Whether every row finished or `maxNewTokens` were generated. */
  get done(): boolean {
    return this.decoder.done;
  }

  /** One forward pass and one new token per unfinished row; false when already done. */
  step(): boolean {
    const last = this.forwardLast();
    if (!last) return false;
    const v = last.shape[1]!;
    let values: Float32Array;
    try {
      values = last.dataSync() as Float32Array;
    } finally {
      last.dispose();
    }
    this.advance(values, v);
    return true;
  }

  /**
   * {@link step} reading the logits asynchronously (`await data()`): what `generateStream` runs, as
   * a page's WebGPU backend has no reliable synchronous read. The same token as `step`.
   */
  async stepAsync(): Promise<boolean> {
    const last = this.forwardLast();
    if (!last) return false;
    const v = last.shape[1]!;
    let values: Float32Array;
    try {
      values = (await last.data()) as Float32Array;
    } finally {
      last.dispose();
    }
    this.advance(values, v);
    return true;
  }

  /** The forward pass of a step: the last position's logits [B, V] (undefined when done). */
  private forwardLast(): tf.Tensor | undefined {
    if (this.done) return undefined;
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
    return last;
  }

  /** The rest of a step, on the host: each row's next id from its `v` logits in `values`. */
  private advance(values: Float32Array, v: number): void {
    const next = this.decoder.choose((i) => values.slice(i * v, (i + 1) * v));
    if (this.mask) for (const m of this.mask) m.push(1);
    this.pending = next.map((id) => [id]);
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

/** Each row (and mask row) repeated `n` times in place (transformers' `_expand_inputs_for_generation`). */
function repeatRows<T>(rows: readonly T[], n: number): T[] {
  return rows.flatMap((r) => Array.from({ length: n }, () => (Array.isArray(r) ? ([...r] as T) : r)));
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
 * Autoregressive decoding with the KV cache, as transformers' `generate`: greedy, sampling
 * (temperature, top-k, top-p) or beam search (`numBeams`), `numReturnSequences`, repetition /
 * presence / frequency penalties, logit bias, eos ids, stop strings, left-padded batches.
 * Options given here override `model.generationConfig` (from `generation_config.json`).
 *
 * - Ids in (`[B, T]` rows, left padding described by `attentionMask`): returns each row followed
 *   by its new tokens; rows that finished are filled with the pad id.
 * - Text in (a string or several, with `options.tokenizer`): prompts are tokenized and left-padded;
 *   returns one {@link GenerateTextResult} per prompt (text and ids).
 * - With `numReturnSequences: n` each prompt gives n rows / results, one after the other.
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
  const text = typeof input === 'string' || (Array.isArray(input) && typeof input[0] === 'string');
  let prompts: readonly string[] = [];
  let ids = input as number[][];
  let mask = options.attentionMask;
  if (text) {
    prompts = typeof input === 'string' ? [input] : (input as unknown as readonly string[]);
    const tokenizer = options.tokenizer;
    if (!tokenizer) throw new Error('generate: text prompts need a tokenizer (options.tokenizer)');
    if (options.attentionMask)
      throw new Error('generate: attentionMask is for id prompts; text prompts make their own');
    const enc = encodePrompts(tokenizer, prompts);
    ids = enc.inputIds;
    mask = enc.attentionMask;
  }
  const resolved = resolveGenerateOptions(model, options);
  const n = resolved.numReturnSequences ?? 1;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`numReturnSequences must be a positive integer (got ${n})`);
  if ((resolved.numBeams ?? 1) > 1) return generateBeams(model, ids, mask, prompts, text, resolved);
  if (n > 1 && !resolved.doSample)
    throw new Error(
      'generate: greedy decoding without beam search gives one result per prompt; numReturnSequences > 1 needs doSample or numBeams',
    );
  const rows = n > 1 ? repeatRows(ids, n) : ids;
  const rowMask = mask && (n > 1 ? repeatRows(mask, n) : mask);
  const run = new GenerationRun(model, rows, { ...options, ...(rowMask && { attentionMask: rowMask }) });
  runToEnd(run);
  return text ? run.textResults(repeatRows(prompts, n)) : run.seqs;
}

function generateBeams(
  model: GPT2LMHeadModel,
  ids: number[][],
  mask: number[][] | undefined,
  prompts: readonly string[],
  text: boolean,
  o: ReturnType<typeof resolveGenerateOptions>,
): number[][] | GenerateTextResult[] {
  if (o.doSample) throw new Error('generate: beam sampling (numBeams > 1 with doSample) is not supported');
  for (const key of ['stopStrings', 'streamer'] as const)
    if (o[key] !== undefined)
      throw new Error(`generate: ${key} is not supported with beam search (numBeams > 1)`);
  const width = ids[0]?.length ?? 0;
  const result = beamSearch(model, ids, {
    numBeams: o.numBeams!,
    maxNewTokens: o.maxNewTokens,
    eosTokenIds: o.eosTokenIds,
    padTokenId: o.padTokenId,
    lengthPenalty: o.lengthPenalty,
    earlyStopping: o.earlyStopping,
    numReturnSequences: o.numReturnSequences,
    logitsProcessors: [
      ...buildLogitsProcessors({ ...o, doSample: false, promptLength: width }).processors,
      ...(o.logitsProcessors ?? []),
    ],
    attentionMask: mask,
    signal: o.signal,
  });
  if (!text) return result.sequences;
  const tokenizer = o.tokenizer!;
  const n = o.numReturnSequences ?? 1;
  return result.newIds.map((newIds, k) => {
    const p = Math.floor(k / n);
    const prompt = mask ? ids[p]!.filter((_, t) => mask[p]![t] === 1) : ids[p]!;
    return {
      prompt: prompts[p] ?? '',
      text: tokenizer.decode(newIds, { skipSpecialTokens: o.skipSpecialTokens ?? true }),
      ids: newIds,
      sequence: [...prompt, ...newIds],
      finishReason: result.endedByEos[k] ? ('eos' as const) : ('length' as const),
      score: result.scores[k]!,
    };
  });
}
