import { type Tensor, tf } from '@gptft/backend';

/** Large negative number added to the scores of masked keys (finite: fully masked rows stay NaN-free). */
export const MASKED = -1e9;

/** Inputs of {@link positionsAndBias}. */
export interface MaskInput {
  batch: number; //   B
  length: number; //  T, current tokens
  past: number; //    P, keys/values already in front (cache or prefix)
  /** 1 = attend, 0 = padding: [B, L] with T ≤ L ≤ P+T, covering the last L key positions. */
  attentionMask?: Tensor | number[][];
  /** Explicit positions [B|1, T]. */
  positionIds?: Tensor | number[][];
  /** n_positions, to refuse sequences the position table does not cover. */
  maxPositions: number;
}

/** Positions of the current tokens and the additive attention bias. */
export interface MaskOutput {
  /** int32 [B|1, T]. */
  positions: Tensor;
  /** [B|1, 1, T, P+T] (0 = may attend, {@link MASKED} = may not), or null when nothing is masked. */
  bias: Tensor | null;
}

/** A [batch, length] int tensor from a tensor or nested arrays (validated rank). */
export function asInt2D(x: Tensor | number[][], what: string): Tensor {
  const t = x instanceof tf.Tensor ? x : tf.tensor2d(x, undefined, 'int32');
  if (t.rank !== 2) throw new Error(`${what} must be [batch, length], got shape ${JSON.stringify(t.shape)}`);
  return t;
}

/**
 * Positions and attention bias the way transformers computes them for GPT-2:
 * - causal: query i (absolute position P+i) sees keys 0 … P+i;
 * - padding: keys whose mask is 0 are hidden from every query; a mask shorter than P+T covers
 *   the last positions, the first ones (e.g. a prefix) count as attended;
 * - positions (unless given): P … P+T−1 without a mask; with one, each attended token's position
 *   is the number of attended positions before it (`attention_mask.cumsum(-1) − 1`, as `generate`
 *   does, so a left-padded row gets the positions of the unpadded one); pad tokens keep P + t.
 * Call inside a `tf.tidy`.
 */
export function positionsAndBias(m: MaskInput): MaskOutput {
  const { batch: b, length: t, past: p } = m;
  const s = p + t;
  let mask: Tensor | null = null; // [B, S] float
  if (m.attentionMask !== undefined) {
    const given = tf.cast(asInt2D(m.attentionMask, 'attentionMask'), 'float32');
    const [mb, ml] = given.shape as [number, number];
    if (mb !== b || ml < t || ml > s) {
      throw new Error(
        `attentionMask has shape [${mb}, ${ml}]; expected [${b}, ${s}] (past ${p} + input ${t}) or [${b}, L] with ${t} ≤ L ≤ ${s}`,
      );
    }
    mask = ml < s ? tf.concat([tf.ones([b, s - ml]), given], 1) : given;
  }

  let positions: Tensor;
  if (m.positionIds !== undefined) {
    positions = tf.cast(asInt2D(m.positionIds, 'positionIds'), 'int32');
  } else {
    if (s > m.maxPositions) {
      throw new Error(
        `sequence of ${s} positions (past ${p} + input ${t}) exceeds n_positions (${m.maxPositions})`,
      );
    }
    const plain = tf.reshape(tf.range(p, s, 1, 'float32'), [1, t]); //          P … P+T−1
    if (mask) {
      const attended = tf.greater(tf.slice(mask, [0, p], [b, t]), 0); //       [B, T]
      const counted = tf.sub(tf.slice(tf.cumsum(mask, 1), [0, p], [b, t]), 1);
      positions = tf.cast(tf.where(attended, counted, tf.broadcastTo(plain, [b, t])), 'int32');
    } else {
      positions = tf.cast(plain, 'int32');
    }
  }

  let bias: Tensor | null = null;
  if (t > 1) {
    const causal = new Float32Array(t * s);
    for (let i = 0; i < t; i++) causal.fill(MASKED, i * s + p + i + 1, (i + 1) * s);
    bias = tf.tensor4d(causal, [1, 1, t, s]);
  }
  if (mask) {
    const pad = tf.reshape(tf.mul(tf.sub(1, mask), MASKED), [b, 1, 1, s]);
    bias = bias ? tf.add(bias, pad) : pad;
  }
  return { positions, bias };
}
