/**
 * transformers' `resize_token_embeddings`: after a tokenizer gained tokens (chat special tokens,
 * a pad token), the token embedding `wte` gets rows for them, the LM head follows (tied: it is
 * `wte`; untied: `lm_head.weight` is resized the same way) and `config.vocab_size` is updated.
 */
import { matMul, type Tensor, tf } from '@gptft/backend';
import { Embedding, type GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { type GPT2Tokenizer, type SetupChatFormatOptions, setupChatFormat } from '@gptft/tokenizer';
import type { HeadModel } from './head-model.js';
import { Linear } from './linear.js';

/** Options of {@link resizeTokenEmbeddings}. */
export interface ResizeTokenEmbeddingsOptions {
  /** Round the new size up to a multiple of this (HF `pad_to_multiple_of`; e.g. 64 for speed). */
  padToMultipleOf?: number;
  /**
   * How new rows are initialised (HF `mean_resizing`, default true as in transformers ≥ 4.46):
   * sampled from a normal distribution with the old rows' mean and 1e-9 × their covariance (so
   * essentially the mean embedding), or the mean itself when that covariance is not positive
   * definite. With false, new rows are drawn from N(0, initializer_range²), which is
   * `_init_weights` (transformers before 4.46).
   */
  meanResizing?: boolean;
  /** Seed of the random draws (default: unseeded). */
  seed?: number;
}

const COVARIANCE_SCALE = 1e-9;

/**
 * Cholesky factor L (row-major, lower) of a symmetric n×n matrix, or undefined when it is not
 * positive definite (PyTorch's `constraints.positive_definite` test is the same factorisation).
 */
function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/**
 * `rows` new rows for a [V, C] weight, as transformers initialises added embeddings (see
 * {@link ResizeTokenEmbeddingsOptions.meanResizing}). Returns a [rows, C] tensor.
 */
function newRows(old: Tensor, rows: number, options: ResizeTokenEmbeddingsOptions, std: number): Tensor {
  const [v, c] = old.shape as [number, number];
  if (!(options.meanResizing ?? true)) return tf.randomNormal([rows, c], 0, std, 'float32', options.seed);
  const { mean, cov } = tf.tidy(() => {
    const mean = tf.mean(old, 0);
    const centered = tf.sub(old, mean);
    const cov = tf.div(matMul(centered, centered, true, false), v);
    return { mean, cov };
  });
  const covValues = Float64Array.from(cov.dataSync(), (x) => x * COVARIANCE_SCALE);
  cov.dispose();
  const l = cholesky(covValues, c);
  return tf.tidy(() => {
    const m = tf.reshape(mean, [1, c]);
    mean.dispose();
    if (!l) return tf.tile(m, [rows, 1]);
    // x = mean + L·z, z ~ N(0, I): MultivariateNormal(mean, eps·cov).sample().
    const z = tf.randomNormal([rows, c], 0, 1, 'float32', options.seed);
    const lt = tf.tensor2d(Float32Array.from(l), [c, c]);
    return tf.add(m, matMul(z, lt, false, true));
  });
}

/** `old` [V, C] cut or extended to [n, C]; the first min(V, n) rows are kept as they are. */
function resizeRows(old: Tensor, n: number, options: ResizeTokenEmbeddingsOptions, std: number): Tensor {
  const [v, c] = old.shape as [number, number];
  if (n <= v) return tf.tidy(() => tf.slice(old, [0, 0], [n, c]));
  const added = newRows(old, n - v, options, std);
  const out = tf.concat([old, added], 0);
  added.dispose();
  return out;
}

/**
 * Resizes the token embeddings of a model to `newNumTokens` rows (HF
 * `model.resize_token_embeddings(len(tokenizer))`), e.g. after `setupChatFormat` or
 * `addSpecialTokens` on the tokenizer:
 *
 * - existing rows are kept; extra rows are initialised as transformers does (mean resizing by
 *   default, see {@link ResizeTokenEmbeddingsOptions}); a smaller size drops the last rows;
 * - a tied LM head (`tie_word_embeddings`, GPT-2's default) follows since it is `wte`; an untied
 *   `lm_head.weight` [V, C] is resized the same way;
 * - `config.vocab_size` becomes the new size, so `savePretrained` writes it and the folder
 *   reloads with the new shapes.
 *
 * Accepts a head model (`GPT2LMHeadModel`, the classification heads) or a bare `GPT2Model`.
 * Resize before wrapping the model with PEFT or creating an optimizer: both hold the old
 * variables. Returns the new number of tokens (after `padToMultipleOf`). Without `newNumTokens`
 * (and without `padToMultipleOf`) nothing changes, as in HF.
 */
export function resizeTokenEmbeddings(
  model: HeadModel | GPT2Model,
  newNumTokens?: number,
  options: ResizeTokenEmbeddingsOptions = {},
): number {
  const backbone = model instanceof GPT2Model ? model : model.transformer;
  const config = backbone.config;
  const current = backbone.wte.weight.shape[0]!;
  if (newNumTokens === undefined && options.padToMultipleOf === undefined) return current;
  let n = newNumTokens ?? current;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`newNumTokens: expected a positive integer, got ${n}`);
  const multiple = options.padToMultipleOf;
  if (multiple !== undefined) {
    if (!Number.isInteger(multiple) || multiple < 1) {
      throw new RangeError(`padToMultipleOf: expected a positive integer, got ${multiple}`);
    }
    n = Math.ceil(n / multiple) * multiple;
  }
  if (n === current && config.vocabSize === n) return n;
  const std = config.initializerRange;

  const c = config.nEmbd;
  const wte = new Embedding(n, c);
  const oldWte = backbone.wte;
  const resized = resizeRows(oldWte.weight, n, options, std);
  wte.weight.assign(resized);
  resized.dispose();
  wte.training = oldWte.training;
  wte.weight.trainable = oldWte.weight.trainable;
  backbone.setSubmodule('wte', wte);
  oldWte.weight.dispose();

  if (!(model instanceof GPT2Model) && !config.tieWordEmbeddings) {
    const names = model.namedChildren().map(([name]) => name);
    if (names.includes('lm_head')) {
      const oldHead = model.getSubmodule<Linear>('lm_head');
      const w = resizeRows(oldHead.weight, n, options, std);
      const head = new Linear(w);
      head.training = oldHead.training;
      head.weight.trainable = oldHead.weight.trainable;
      model.setSubmodule('lm_head', head);
      oldHead.weight.dispose();
      oldHead.bias?.dispose();
    }
  }
  // The config is replaced (GPT2Config is immutable): vocab_size follows the embeddings.
  (backbone as unknown as { config: GPT2Config }).config = config.with({ vocabSize: n });
  return n;
}

/** Options of {@link setupChatModel}. */
export interface SetupChatModelOptions extends SetupChatFormatOptions, ResizeTokenEmbeddingsOptions {}

/**
 * TRL's `setup_chat_format(model, tokenizer)`: gives a model without a chat format (GPT-2) ChatML.
 * The tokenizer gets `<|im_start|>`/`<|im_end|>` as special tokens and the ChatML template
 * (`setupChatFormat` of `@gptft/tokenizer`). The model's embeddings (and a tied or untied LM head)
 * are resized to the tokenizer's size (`padToMultipleOf` optional, as TRL's
 * `resize_to_multiple_of`). Unless `setSpecialTokens: false`, the model's config and generation
 * defaults take the new bos/eos/pad ids, so `generate` stops at `<|im_end|>`, also after
 * save → load. Returns the new number of token embeddings.
 */
export function setupChatModel(
  model: HeadModel | GPT2Model,
  tokenizer: GPT2Tokenizer,
  options: SetupChatModelOptions = {},
): number {
  setupChatFormat(tokenizer, options);
  const n = resizeTokenEmbeddings(model, tokenizer.vocabSize, options);
  if (options.setSpecialTokens !== false) {
    const backbone = model instanceof GPT2Model ? model : model.transformer;
    const ids = {
      bosTokenId: tokenizer.bosTokenId ?? null,
      eosTokenId: tokenizer.eosTokenId ?? null,
      padTokenId: tokenizer.padTokenId ?? null,
    };
    (backbone as unknown as { config: GPT2Config }).config = backbone.config.with(ids);
    const gen = (model as { generationConfig?: { eosTokenId?: unknown; padTokenId?: unknown } })
      .generationConfig;
    if (gen) {
      if (ids.eosTokenId !== null) gen.eosTokenId = ids.eosTokenId;
      if (ids.padTokenId !== null) gen.padTokenId = ids.padTokenId;
    }
  }
  return n;
}
