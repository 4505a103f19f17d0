import type { GPT2Tokenizer } from '@gptft/tokenizer';
import type { GPT2ForTokenClassification } from '../token-classification.js';
import {
  type AggregationStrategy,
  aggregateEntities,
  type GroupedEntity,
  isSubword,
  type PreEntity,
  type TokenEntity,
} from './entity-aggregation.js';

/** Options of the token-classification pipeline (per call or at creation). */
export interface TokenClassificationOptions {
  /** transformers' `aggregation_strategy` (default `'none'`). */
  aggregationStrategy?: AggregationStrategy;
  /** Labels left out of the results (default `['O']`). */
  ignoreLabels?: string[];
}

/** Softmax of each row of `logits` [T, K] (float64). */
function softmaxRows(logits: ArrayLike<number>, t: number, k: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let i = 0; i < t; i++) {
    const row = new Float64Array(k);
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) m = Math.max(m, logits[i * k + j]!);
    let z = 0;
    for (let j = 0; j < k; j++) z += row[j] = Math.exp(logits[i * k + j]! - m);
    for (let j = 0; j < k; j++) row[j]! /= z;
    rows.push(row);
  }
  return rows;
}

/**
 * The tokens of one text as transformers' `gather_pre_entities` sees them: probabilities from the
 * token logits [T, K], spans from the tokenizer's offsets, special tokens (no word) skipped, subwords
 * found by transformers' fallback rule for byte-level BPE ({@link isSubword}).
 */
export function gatherPreEntities(
  tokenizer: GPT2Tokenizer,
  text: string,
  encoding: { ids: number[]; offsets: [number, number][]; wordIds: (number | null)[] },
  logits: ArrayLike<number>,
  numLabels: number,
): PreEntity[] {
  const scores = softmaxRows(logits, encoding.ids.length, numLabels);
  const pre: PreEntity[] = [];
  for (const [i, id] of encoding.ids.entries()) {
    if (encoding.wordIds[i] === null) continue;
    const [start, end] = encoding.offsets[i]!;
    const unk = id === tokenizer.unkTokenId;
    pre.push({
      token: unk ? text.slice(start, end) : (tokenizer.idToToken(id) ?? ''),
      id,
      scores: scores[i]!,
      index: i,
      start,
      end,
      isSubword: unk ? false : isSubword(text, start),
    });
  }
  return pre;
}

/** transformers' `TokenClassificationPipeline` (NER): text in, labelled tokens or entities out. */
export class TokenClassificationPipeline {
  readonly task = 'token-classification';
  constructor(
    readonly model: GPT2ForTokenClassification,
    readonly tokenizer: GPT2Tokenizer,
    readonly defaults: TokenClassificationOptions = {},
  ) {}

  /** One text → its entities; several texts → one list per text. */
  run(texts: string, options?: TokenClassificationOptions): Array<TokenEntity | GroupedEntity>;
  run(
    texts: readonly string[],
    options?: TokenClassificationOptions,
  ): Array<Array<TokenEntity | GroupedEntity>>;
  run(
    texts: string | readonly string[],
    options: TokenClassificationOptions = {},
  ): Array<TokenEntity | GroupedEntity> | Array<Array<TokenEntity | GroupedEntity>> {
    const o = { ...this.defaults, ...options };
    const strategy = o.aggregationStrategy ?? 'none';
    const list = typeof texts === 'string' ? [texts] : texts;
    const id2label = this.model.config.id2label;
    if (!id2label) throw new Error('token-classification: the model config has no id2label');
    const decode = (ids: number[]) => this.tokenizer.decode(ids);
    const results = list.map((text) => {
      // truncated to the context, as transformers' pipeline does (truncation=True up to model_max_length)
      const limit = Math.min(
        this.tokenizer.modelMaxLength ?? Number.POSITIVE_INFINITY,
        this.model.config.nPositions,
      );
      const full = this.tokenizer.encodeWithOffsets(text);
      const enc = {
        ids: full.ids.slice(0, limit),
        offsets: full.offsets.slice(0, limit),
        wordIds: full.wordIds.slice(0, limit),
      };
      if (enc.ids.length === 0) return [];
      const out = this.model.forward({ inputIds: [enc.ids] });
      const k = out.logits.shape[2]!;
      const logits = out.logits.dataSync();
      out.logits.dispose();
      const pre = gatherPreEntities(this.tokenizer, text, enc, logits, k);
      return aggregateEntities(pre, id2label, strategy, decode, o.ignoreLabels ?? ['O']);
    });
    return typeof texts === 'string' ? results[0]! : results;
  }
}
