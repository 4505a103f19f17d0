import { mulberry32 } from '@gptft/backend';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { GeneratedText } from './generated-text.js';
import { buildLogitsProcessors, type LogitsProcessor, LogitsProcessorList } from './logits-processors.js';
import { EosTokenCriteria, type FinishReason, StopStringCriteria } from './stopping-criteria.js';
import type { Streamer } from './text-streamer.js';
import { argmax, sampleFromScores } from './token-selection.js';

/** The decoding settings a {@link RowDecoder} needs (a resolved subset of `GenerateOptions`). */
export interface RowDecoderOptions {
  maxNewTokens: number;
  /** Ids that finish a row (may be empty). */
  eosTokenIds: readonly number[];
  /** Id fed for rows that finished. */
  padTokenId: number;
  doSample?: boolean | undefined;
  temperature?: number | undefined;
  topK?: number | undefined;
  topP?: number | undefined;
  repetitionPenalty?: number | undefined;
  presencePenalty?: number | undefined;
  frequencyPenalty?: number | undefined;
  logitBias?: Readonly<Record<number, number>> | undefined;
  seed?: number | undefined;
  stopStrings?: string | readonly string[] | undefined;
  tokenizer?: GPT2Tokenizer | undefined;
  skipSpecialTokens?: boolean | undefined;
  logitsProcessors?: readonly LogitsProcessor[] | undefined;
  streamer?: Streamer | undefined;
}

/**
 * What happens to a batch of rows after each forward pass, without the model: the logits
 * processors, greedy or seeded sampling (one RNG for the batch, drawn in row order, as `generate`
 * always did), eos ids and stop strings, and the rows' text. `generate` drives one with its own
 * forward passes and KV cache; a server drives one per request inside a shared batch (each
 * request's rows keep their own RNG, so batching changes no result).
 */
export class RowDecoder {
  /** Rows: prompt (as given, padding included) + generated ids, finished rows filled with the pad id. */
  readonly seqs: number[][];
  /** Generated ids per row (no padding). */
  readonly newIds: number[][];
  /** Prompt ids per row, without padding. */
  readonly prompts: number[][];
  readonly finishReasons: Array<FinishReason | undefined>;
  /** The rows' generated text, when there is a tokenizer. */
  readonly text: GeneratedText | undefined;
  readonly maxNewTokens: number;
  private readonly eos: EosTokenCriteria;
  private readonly stop: StopStringCriteria | undefined;
  /** Per row, the prompt text's last `longest - 1` characters (stop strings may begin there). */
  private readonly stopContext: string[];
  private readonly pad: number;
  private readonly processors: LogitsProcessorList;
  private readonly rand: () => number;
  private readonly options: RowDecoderOptions;
  private steps = 0;

  /**
   * `inputIds`: the rows' prompts (equal lengths; `attentionMask` marks left padding with 0).
   */
  constructor(
    inputIds: readonly (readonly number[])[],
    options: RowDecoderOptions,
    attentionMask?: readonly (readonly number[])[],
  ) {
    this.options = options;
    this.maxNewTokens = options.maxNewTokens;
    this.eos = new EosTokenCriteria(options.eosTokenIds);
    this.pad = options.padTokenId;
    const width = inputIds[0]?.length ?? 0;
    if (options.stopStrings !== undefined) {
      if (!options.tokenizer) throw new Error('generate: stopStrings needs a tokenizer (options.tokenizer)');
      this.stop = new StopStringCriteria(options.stopStrings);
    }
    this.text = options.tokenizer
      ? new GeneratedText(options.tokenizer, inputIds.length, options.skipSpecialTokens ?? true)
      : undefined;
    this.processors = new LogitsProcessorList([
      ...buildLogitsProcessors({ ...options, promptLength: width }).processors,
      ...(options.logitsProcessors ?? []),
    ]);
    this.rand = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.seqs = inputIds.map((r) => [...r]);
    this.newIds = inputIds.map(() => []);
    this.finishReasons = inputIds.map(() => undefined);
    this.prompts = inputIds.map((r, i) =>
      attentionMask ? r.filter((_, t) => attentionMask[i]![t] === 1) : [...r],
    );
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
    if (options.streamer && inputIds.length !== 1)
      throw new Error('generate: a streamer needs a batch of one');
    options.streamer?.put(this.prompts[0]!);
  }

  /** Number of rows. */
  get rows(): number {
    return this.seqs.length;
  }

  /** Steps taken (tokens chosen per row so far). */
  get stepCount(): number {
    return this.steps;
  }

  /** Whether every row finished or `maxNewTokens` were generated. */
  get done(): boolean {
    return this.steps >= this.maxNewTokens || this.finishReasons.every((r) => r !== undefined);
  }

  /** Whether row `i` finished (eos, stop string, or the end). */
  isFinished(i: number): boolean {
    return this.finishReasons[i] !== undefined;
  }

  /**
   * One step: for each unfinished row, its scores (`scoresOf(i)`, the next-token logits [V]; the
   * array may be changed in place) are processed and the next id chosen. Returns the id to feed
   * each row next (the pad id for finished rows). Once {@link done}, rows still open finish with
   * `'length'`, the text is flushed and the streamer ended.
   */
  choose(scoresOf: (row: number) => Float32Array): number[] {
    if (this.done) throw new Error('RowDecoder.choose: decoding is done');
    const next = this.seqs.map((seq, i) => {
      let id = this.pad;
      if (this.finishReasons[i] === undefined) {
        const scores = this.processors.process(seq, scoresOf(i));
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
      return id;
    });
    this.steps++;
    if (this.done) {
      for (const [i, r] of this.finishReasons.entries())
        if (r === undefined) this.finishReasons[i] = 'length';
      this.text?.finish();
      this.options.streamer?.end();
    }
    return next;
  }

  /** The stop string that ended row `i` (undefined unless it finished with `'stop_string'`). */
  stopStringOf(i: number): string | undefined {
    if (this.finishReasons[i] !== 'stop_string' || !this.stop || !this.text) return undefined;
    const visible = this.stopContext[i]! + this.text.visible(i);
    // the longest one ending there: the text without it is the shortest (it began earliest)
    let best: string | undefined;
    for (const s of this.stop.stopStrings)
      if (visible.endsWith(s) && (!best || s.length > best.length)) best = s;
    return best;
  }
}
