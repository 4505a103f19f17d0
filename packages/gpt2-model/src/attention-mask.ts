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
  /**
   * Packed rows: the document of each current token [B, T] (`@gptft/datasets` packing; -1 on
   * padding). A query attends only keys of its own document; positions (unless given) restart at 0
   * at each document. Only without past keys/values (P = 0).
   */
  documentIds?: Tensor | number[][];
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

  let docs: Int32Array | undefined;
  if (m.documentIds !== undefined) {
    const d = asInt2D(m.documentIds, 'documentIds');
    if (d.shape[0] !== b || d.shape[1] !== t) {
      throw new Error(`documentIds has shape [${d.shape}]; expected [${b}, ${t}] like the input`);
    }
    if (p > 0)
      throw new Error('documentIds (packed rows) cannot be combined with past keys/values or a prefix');
    docs = Int32Array.from(d.dataSync());
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
    if (docs) {
      positions = tf.tensor2d(documentPositions(docs, b, t), [b, t], 'int32');
    } else if (mask) {
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
  if (docs) {
    const block = tf.tensor4d(documentBias(docs, b, t), [b, 1, t, t]); // P = 0, so S = T
    bias = bias ? tf.add(bias, block) : block;
  }
  return { positions, bias };
}

/** Position of each token within its document: 0 at a row start and wherever the document id changes. */
export function documentPositions(docs: Int32Array, b: number, t: number): Int32Array {
  const out = new Int32Array(b * t);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < t; i++) {
      const k = r * t + i;
      out[k] = i > 0 && docs[k] === docs[k - 1] ? out[k - 1]! + 1 : 0;
    }
  }
  return out;
}

/** [B, 1, T, T] additive bias: 0 where query i and key j are in the same document, {@link MASKED} elsewhere. */
function documentBias(docs: Int32Array, b: number, t: number): Float32Array {
  const out = new Float32Array(b * t * t);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < t; i++) {
      const di = docs[r * t + i];
      const row = (r * t + i) * t;
      for (let j = 0; j < t; j++) if (docs[r * t + j] !== di) out[row + j] = MASKED;
    }
  }
  return out;
}
