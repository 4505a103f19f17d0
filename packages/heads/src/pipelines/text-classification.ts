import type { GPT2Tokenizer } from '@gptft/tokenizer';
import type { GPT2ForSequenceClassification } from '../sequence-classification.js';

/** How scores are made from logits (transformers' `function_to_apply`). */
export type ClassificationFunction = 'softmax' | 'sigmoid' | 'none';

/** Options of the text-classification pipeline (per call or at creation). */
export interface TextClassificationOptions {
  /** How many labels per text, best first (default 1; `null`: all). */
  topK?: number | null;
  /**
   * Default as transformers: `none` for `problem_type` regression, `sigmoid` for multi-label or a
   * single label, else `softmax`.
   */
  functionToApply?: ClassificationFunction;
  /** Texts per forward pass (default 8). */
  batchSize?: number;
  /** Cut texts longer than the model's context (default false: too long a text is an error, as transformers). */
  truncation?: boolean;
}

/** One label and its score. */
export interface ClassificationResult {
  label: string;
  score: number;
}

/** transformers' default `function_to_apply` for a classification config. */
export function defaultClassificationFunction(
  problemType: string | null,
  numLabels: number,
): ClassificationFunction {
  if (problemType === 'regression') return 'none';
  if (problemType === 'multi_label_classification' || numLabels === 1) return 'sigmoid';
  return 'softmax';
}

/** `[{label, score}]` of one row of logits, best first, `topK` of them (`null`: all). */
export function classificationScores(
  logits: ArrayLike<number>,
  id2label: Readonly<Record<number, string>> | undefined,
  fn: ClassificationFunction,
  topK: number | null,
): ClassificationResult[] {
  const n = logits.length;
  let scores: number[] = Array.from(logits);
  if (fn === 'sigmoid') scores = scores.map((x) => 1 / (1 + Math.exp(-x)));
  else if (fn === 'softmax') {
    const m = Math.max(...scores);
    const e = scores.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    scores = e.map((x) => x / z);
  }
  const out = scores.map((score, i) => ({ label: id2label?.[i] ?? `LABEL_${i}`, score }));
  out.sort((a, b) => b.score - a.score);
  if (topK !== null && (!Number.isInteger(topK) || topK < 1))
    throw new Error(`topK must be a positive integer or null (got ${topK})`);
  return topK === null ? out : out.slice(0, Math.min(topK, n));
}

/** transformers' `TextClassificationPipeline`: texts in, `[{label, score}]` out. */
export class TextClassificationPipeline {
  readonly task = 'text-classification';
  constructor(
    readonly model: GPT2ForSequenceClassification,
    readonly tokenizer: GPT2Tokenizer,
    readonly defaults: TextClassificationOptions = {},
  ) {}

  /** One text → its labels (best first); several texts → one such list per text. */
  run(texts: string, options?: TextClassificationOptions): ClassificationResult[];
  run(texts: readonly string[], options?: TextClassificationOptions): ClassificationResult[][];
  run(
    texts: string | readonly string[],
    options: TextClassificationOptions = {},
  ): ClassificationResult[] | ClassificationResult[][] {
    const o = { ...this.defaults, ...options };
    const list = typeof texts === 'string' ? [texts] : texts;
    const cfg = this.model.config;
    const fn = o.functionToApply ?? defaultClassificationFunction(cfg.problemType ?? null, cfg.numLabels);
    const topK = o.topK === undefined ? 1 : o.topK;
    const batchSize = o.batchSize ?? 8;
    const results: ClassificationResult[][] = [];
    for (let s = 0; s < list.length; s += batchSize) {
      const chunk = list.slice(s, s + batchSize) as string[];
      const limit = Math.min(this.tokenizer.modelMaxLength ?? Number.POSITIVE_INFINITY, cfg.nPositions);
      const enc = this.tokenizer.call(chunk, {
        padding: true,
        ...(o.truncation && { truncation: true, maxLength: limit }),
      });
      const longest = Math.max(...enc.inputIds.map((r) => r.length));
      if (longest > cfg.nPositions)
        throw new Error(
          `text-classification: a text has ${longest} tokens, more than the model's ${cfg.nPositions} positions (pass truncation: true)`,
        );
      if (enc.attentionMask.some((m) => !m.includes(1)))
        throw new Error('text-classification: an input text is empty (it has no tokens)');
      const out = this.model.forward({ inputIds: enc.inputIds, attentionMask: enc.attentionMask });
      const k = out.logits.shape[1]!;
      const values = out.logits.dataSync();
      out.logits.dispose();
      for (let i = 0; i < chunk.length; i++)
        results.push(classificationScores(values.subarray(i * k, (i + 1) * k), cfg.id2label, fn, topK));
    }
    return typeof texts === 'string' ? results[0]! : results;
  }
}
