import { IGNORE_INDEX } from '@gptft/backend';

/** Nested arrays of numbers ([N], [N, C], [N, T, C], ...), what `tf.Tensor.arraySync()` gives. */
export type NestedNumbers = Array<number | NestedNumbers>;

/** What `computeMetrics` receives (HF `EvalPrediction`): predictions and labels of the whole dataset. */
export interface EvalPrediction {
  /** Concatenated over batches along the first axis; rows of different lengths padded with -100. */
  predictions: NestedNumbers;
  /** Labels the same way, or undefined when the batches have none. */
  labelIds?: NestedNumbers;
}

/** Metrics from predictions (HF `compute_metrics`); the Trainer prefixes the keys with `eval_` (or `test_`). */
export type ComputeMetrics = (prediction: EvalPrediction) => Record<string, number>;

/** Result of `Trainer.predict` (HF `PredictionOutput`). */
export interface PredictionOutput {
  predictions: NestedNumbers;
  labelIds?: NestedNumbers;
  /** `test_loss` (when the batches have labels) and `computeMetrics`' values, prefixed `test_`. */
  metrics: Record<string, number>;
}

/** The padding value of concatenated predictions and labels (HF's `padding_index`): the ignore index. */
export const PADDING_INDEX = IGNORE_INDEX;

/** Shape of a nested array (from its first elements). */
function shapeOf(x: number | NestedNumbers): number[] {
  const s: number[] = [];
  let cur: number | NestedNumbers = x;
  while (Array.isArray(cur)) {
    s.push(cur.length);
    cur = cur[0] as number | NestedNumbers;
  }
  return s;
}

/** A copy of `row` padded with `pad` to length `len` on its first axis (the rest of the shape from `row`). */
function padFirstAxis(row: NestedNumbers, len: number, pad: number): NestedNumbers {
  if (row.length >= len) return row;
  const filler = (shape: number[]): number | NestedNumbers =>
    shape.length === 0 ? pad : Array.from({ length: shape[0]! }, () => filler(shape.slice(1)));
  const inner = shapeOf(row[0] ?? []);
  return [...row, ...Array.from({ length: len - row.length }, () => filler(inner))];
}

/**
 * Concatenates per-batch arrays along the first axis (HF `nested_concat`): when the second axis
 * differs between batches (token-level outputs of differently padded batches), shorter rows are
 * padded with {@link PADDING_INDEX}.
 */
export function concatBatches(batches: NestedNumbers[], pad = PADDING_INDEX): NestedNumbers {
  const rows = batches.flat(1) as NestedNumbers;
  if (rows.length === 0 || !Array.isArray(rows[0])) return rows;
  const len = Math.max(...rows.map((r) => (r as NestedNumbers).length));
  return rows.map((r) => padFirstAxis(r as NestedNumbers, len, pad));
}

/** Index of the largest value along the last axis (`np.argmax(x, axis=-1)`); ties: the first. */
export function argmax(x: NestedNumbers): NestedNumbers | number {
  if (x.length === 0 || !Array.isArray(x[0])) {
    let best = 0;
    for (let i = 1; i < x.length; i++) if ((x[i] as number) > (x[best] as number)) best = i;
    return best;
  }
  return x.map((r) => argmax(r as NestedNumbers));
}
