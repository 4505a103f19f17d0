import { GPT2Tokenizer } from '@gptft/tokenizer';
import { GPT2LMHeadModel } from '../lm-head.js';
import { GPT2ForSequenceClassification } from '../sequence-classification.js';
import { GPT2ForTokenClassification } from '../token-classification.js';
import type { GroupedEntity, TokenEntity } from './entity-aggregation.js';
import {
  type ClassificationResult,
  TextClassificationPipeline,
  type TextClassificationOptions,
} from './text-classification.js';
import {
  TextGenerationPipeline,
  type TextGenerationOptions,
  type TextGenerationResult,
} from './text-generation.js';
import { TokenClassificationPipeline, type TokenClassificationOptions } from './token-classification.js';

/** The tasks {@link pipeline} knows. */
export type PipelineTask = 'text-generation' | 'text-classification' | 'token-classification';

interface Callable<P, O> {
  /** The pipeline object (options, model, tokenizer). */
  readonly pipeline: P;
  readonly task: PipelineTask;
  /** Disposes the model (only call it when the pipeline loaded the model itself or you are done with it). */
  dispose(): void;
  (input: string, options?: O): Promise<unknown>;
}

/** `await generator('Once upon a time', { maxNewTokens: 10 })` → `[{ generated_text }]`. */
export interface TextGenerator extends Callable<TextGenerationPipeline, TextGenerationOptions> {
  (prompt: string, options?: TextGenerationOptions): Promise<TextGenerationResult[]>;
  (prompts: readonly string[], options?: TextGenerationOptions): Promise<TextGenerationResult[][]>;
  /** The new text as it is generated, never splitting a character. */
  stream(prompt: string, options?: TextGenerationOptions): AsyncGenerator<string>;
}

/** `await classifier('I loved it')` → `[{ label, score }]`. */
export interface TextClassifier extends Callable<TextClassificationPipeline, TextClassificationOptions> {
  (text: string, options?: TextClassificationOptions): Promise<ClassificationResult[]>;
  (texts: readonly string[], options?: TextClassificationOptions): Promise<ClassificationResult[][]>;
}

/** `await ner('John lives in New York', { aggregationStrategy: 'simple' })` → entities. */
export interface TokenClassifier extends Callable<TokenClassificationPipeline, TokenClassificationOptions> {
  (text: string, options?: TokenClassificationOptions): Promise<Array<TokenEntity | GroupedEntity>>;
  (
    texts: readonly string[],
    options?: TokenClassificationOptions,
  ): Promise<Array<Array<TokenEntity | GroupedEntity>>>;
}

function callable<P extends { task: string; model: { dispose(): void }; run(i: never, o?: never): unknown }>(
  p: P,
): Callable<P, unknown> {
  const fn = async (input: unknown, options?: unknown) =>
    (p.run as (i: unknown, o?: unknown) => unknown).call(p, input, options);
  return Object.assign(fn, {
    pipeline: p,
    task: p.task as PipelineTask,
    dispose: () => p.model.dispose(),
  }) as unknown as Callable<P, unknown>;
}

/**
 * transformers' `pipeline(task, model, tokenizer)`: text in, labelled results out.
 * `model` is a loaded head of the task's class, or a folder / hub repo id to load one from (its
 * tokenizer too, unless `tokenizer` is given).
 *
 * - `'text-generation'` (`GPT2LMHeadModel`): `[{ generated_text }]`; options are `generate`'s.
 * - `'text-classification'` (`GPT2ForSequenceClassification`): `[{ label, score }]`, `topK`.
 * - `'token-classification'` (`GPT2ForTokenClassification`): tokens or entities, `aggregationStrategy`.
 */
export async function pipeline(
  task: 'text-generation',
  model: GPT2LMHeadModel | string,
  tokenizer?: GPT2Tokenizer,
  options?: TextGenerationOptions,
): Promise<TextGenerator>;
export async function pipeline(
  task: 'text-classification',
  model: GPT2ForSequenceClassification | string,
  tokenizer?: GPT2Tokenizer,
  options?: TextClassificationOptions,
): Promise<TextClassifier>;
export async function pipeline(
  task: 'token-classification',
  model: GPT2ForTokenClassification | string,
  tokenizer?: GPT2Tokenizer,
  options?: TokenClassificationOptions,
): Promise<TokenClassifier>;
export async function pipeline(
  task: PipelineTask,
  model: GPT2LMHeadModel | GPT2ForSequenceClassification | GPT2ForTokenClassification | string,
  tokenizer?: GPT2Tokenizer,
  options: TextGenerationOptions | TextClassificationOptions | TokenClassificationOptions = {},
): Promise<TextGenerator | TextClassifier | TokenClassifier> {
  const classes = {
    'text-generation': GPT2LMHeadModel,
    'text-classification': GPT2ForSequenceClassification,
    'token-classification': GPT2ForTokenClassification,
  } as const;
  const cls = classes[task];
  if (!cls) throw new Error(`pipeline: unknown task "${task}" (known: ${Object.keys(classes).join(', ')})`);
  const tok =
    tokenizer ?? (typeof model === 'string' ? await GPT2Tokenizer.fromPretrained(model) : undefined);
  if (!tok) throw new Error(`pipeline('${task}'): pass a tokenizer (or a model folder that has one)`);
  const m = typeof model === 'string' ? await cls.fromPretrained(model) : model;
  if (!(m instanceof cls)) {
    throw new Error(`pipeline('${task}'): needs a ${cls.name}, got ${m.constructor.name}`);
  }
  if (task === 'text-generation') {
    const p = new TextGenerationPipeline(m as GPT2LMHeadModel, tok, options as TextGenerationOptions);
    return Object.assign(callable(p), {
      stream: (prompt: string, o?: TextGenerationOptions) => p.stream(prompt, o),
    }) as unknown as TextGenerator;
  }
  if (task === 'text-classification') {
    const p = new TextClassificationPipeline(
      m as GPT2ForSequenceClassification,
      tok,
      options as TextClassificationOptions,
    );
    return callable(p) as unknown as TextClassifier;
  }
  const p = new TokenClassificationPipeline(
    m as GPT2ForTokenClassification,
    tok,
    options as TokenClassificationOptions,
  );
  return callable(p) as unknown as TokenClassifier;
}
