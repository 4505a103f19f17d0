import { defineKernel, runKernel } from '../kernels.js';
import { FusedLinearCrossEntropy, SoftmaxCrossEntropy } from '../kernel-names.js';
import { IGNORE_INDEX } from '../labels.js';
import type { Scalar, Tensor } from '../tf.js';
import { tf } from '../tf.js';
import { type CrossEntropyOptions, crossEntropyTargets } from './cross-entropy.js';
import { gradientNode } from './gradient.js';

/** Floats of one [rows, V] logits chunk the default kernel aims at (32 MiB). */
const CHUNK_FLOATS = 8 * 2 ** 20;

/** Rows per chunk: about CHUNK_FLOATS logits, the rows split evenly between chunks. */
export function fusedChunkRows(rows: number, vocab: number, asked = 0): number {
  const most = asked > 0 ? asked : Math.max(1, Math.floor(CHUNK_FLOATS / vocab));
  const chunks = Math.ceil(rows / Math.min(most, rows));
  return Math.ceil(rows / chunks);
}

// Default kernel: per chunk of rows, logits = h·Wᵀ (one [r, V] matrix), the SoftmaxCrossEntropy
// kernel gives the chunk's loss and dLogits, then dh = dLogits·W and dW += dLogitsᵀ·h. Nothing
// [N, V]-sized is held unless the logits are asked for.
defineKernel(FusedLinearCrossEntropy, ({ hidden, weight, targets }, attrs) => {
  const { scale, gradHidden, gradWeight, returnLogits, chunkRows } = attrs as {
    scale: number;
    gradHidden: boolean;
    gradWeight: boolean;
    returnLogits: boolean;
    chunkRows: number;
  };
  const [n, c] = hidden!.shape as [number, number];
  const v = weight!.shape[0]!;
  const rows = fusedChunkRows(n, v, chunkRows);
  const withGradient = gradHidden || gradWeight;
  let loss: Tensor = tf.scalar(0);
  let dWeight: Tensor | undefined;
  const dHidden: Tensor[] = [];
  const logitChunks: Tensor[] = [];
  for (let r0 = 0; r0 < n; r0 += rows) {
    const r = Math.min(rows, n - r0);
    const next = tf.tidy(() => {
      const h = r === n ? hidden! : tf.slice(hidden!, [r0, 0], [r, c]);
      const logits = tf.matMul(h, weight!, false, true); // [r, V]
      const [l, dLogits] = runKernel(
        SoftmaxCrossEntropy,
        { logits, targets: r === n ? targets! : tf.slice(targets!, [r0], [r]) },
        { scale, withGradient },
      );
      return {
        loss: tf.add(loss, l!),
        dh: gradHidden ? tf.matMul(dLogits!, weight!) : undefined, // [r, C]
        dw: gradWeight
          ? dWeight
            ? tf.add(dWeight, tf.matMul(dLogits!, h, true, false))
            : tf.matMul(dLogits!, h, true, false) // [V, C]
          : undefined,
        logits: returnLogits ? logits : undefined,
      };
    });
    loss.dispose();
    loss = next.loss;
    if (next.dh) dHidden.push(next.dh);
    if (next.dw) {
      dWeight?.dispose();
      dWeight = next.dw;
    }
    if (next.logits) logitChunks.push(next.logits);
  }
  const empty = () => tf.zeros([0]);
  const joined = (parts: Tensor[]) => (parts.length === 1 ? parts[0]! : tf.concat(parts, 0));
  return [
    loss,
    gradHidden ? joined(dHidden) : empty(),
    dWeight ?? empty(),
    returnLogits ? joined(logitChunks) : empty(),
  ];
});

/** Options of {@link fusedLinearCrossEntropy}. */
export interface FusedLinearCrossEntropyOptions extends CrossEntropyOptions {
  /** Also return the logits [..., V] (computed anyway, chunk by chunk; costs their memory). */
  returnLogits?: boolean;
  /** Rows per chunk (default: about 32 MiB of logits per chunk). For tests and tuning. */
  chunkRows?: number;
}

/** Result of {@link fusedLinearCrossEntropy}. */
export interface FusedLinearCrossEntropyResult {
  /** Mean cross-entropy over the rows whose label is not ignored (NaN when all are). */
  loss: Scalar;
  /** hidden · weightᵀ, [...hidden.shape[:-1], V], when `returnLogits` was asked for. */
  logits?: Tensor;
}

/**
 * `crossEntropy(matMul(hidden, weight, false, true), labels)` — a linear layer without bias followed
 * by the mean masked cross-entropy (the LM head's loss) — without ever holding the whole
 * [N, V] logits matrix or its gradient: rows are processed in chunks, and when a gradient is being
 * recorded it is computed in the same pass and kept (dHidden [N, C], dWeight [V, C]) instead of the
 * logits. The idea of Liger-Kernel's fused linear cross-entropy.
 *
 * `hidden` [..., C] (flattened to [N, C]), `weight` [V, C], `labels` N ids (ignore index −100 by
 * default; checked like `crossEntropy`'s). Differentiable with respect to `hidden` and `weight`;
 * the weight's gradient is not computed when `weight` is a frozen `tf.Variable` (`trainable: false`)
 * unless it is asked for explicitly. With `returnLogits`, the logits come back as well, differentiable
 * too (a gradient through them is added to the loss' at no cost when unused).
 *
 * The work is the `FusedLinearCrossEntropy` kernel (a backend may register a faster one).
 */
export function fusedLinearCrossEntropy(
  hidden: Tensor,
  weight: Tensor,
  labels: ArrayLike<number>,
  options: FusedLinearCrossEntropyOptions = {},
): FusedLinearCrossEntropyResult {
  const op = 'fusedLinearCrossEntropy';
  if (hidden.rank < 2) throw new Error(`${op}: hidden must have rank >= 2, got [${hidden.shape.join(', ')}]`);
  if (weight.rank !== 2) throw new Error(`${op}: weight must be [V, C], got [${weight.shape.join(', ')}]`);
  if (hidden.dtype !== 'float32' || weight.dtype !== 'float32') {
    throw new Error(`${op}: hidden and weight must be float32, got ${hidden.dtype} and ${weight.dtype}`);
  }
  const c = hidden.shape[hidden.rank - 1]!;
  const [v, cw] = weight.shape as [number, number];
  if (cw !== c) {
    throw new Error(
      `${op}: hidden [${hidden.shape.join(', ')}] has width ${c}, weight [${v}, ${cw}] has ${cw}`,
    );
  }
  const n = hidden.size / c;
  const { targets, count } = crossEntropyTargets(op, labels, n, v, options.ignoreIndex ?? IGNORE_INDEX);
  const returnLogits = options.returnLogits ?? false;
  const frozenWeight = weight instanceof tf.Variable && !weight.trainable;
  const attrs = { scale: 1 / count, returnLogits, chunkRows: options.chunkRows ?? 0 };
  let logits: Tensor | undefined;
  try {
    const loss = tf.tidy(() =>
      gradientNode(
        { hidden, weight },
        (recording, save) => {
          const h = tf.reshape(hidden, [n, c]);
          const t = tf.tensor1d(targets, 'int32');
          const [l, dh, dw, z] = runKernel(
            FusedLinearCrossEntropy,
            { hidden: h, weight, targets: t },
            { ...attrs, gradHidden: recording, gradWeight: recording && !frozenWeight },
          );
          if (returnLogits) logits = tf.keep(z!);
          save([dh!, dw!, h, t]);
          return l!;
        },
        (dy, [dh, dw, h, t]) => ({
          hidden: () => tf.reshape(tf.mul(dh!, dy), hidden.shape),
          weight: () => {
            if (dw!.size > 0) return tf.mul(dw!, dy);
            // Asked for the gradient of a frozen weight: one more pass, for the weight alone.
            const again = runKernel(
              FusedLinearCrossEntropy,
              { hidden: h!, weight, targets: t! },
              { ...attrs, returnLogits: false, gradHidden: false, gradWeight: true },
            );
            return tf.mul(again[2]!, dy);
          },
        }),
      ),
    ) as Scalar;
    if (!logits) return { loss };
    const computed = logits as Tensor;
    // The logits as their own tape node (hidden · weightᵀ), so a loss on them gets its gradient;
    // unused, the node costs nothing in the backward pass.
    const out = gradientNode(
      { hidden, weight },
      (_recording, save) => {
        save([hidden, weight]);
        return tf.reshape(computed, [...hidden.shape.slice(0, -1), v]);
      },
      (dz, [sh, sw]) => ({
        hidden: () => tf.reshape(tf.matMul(tf.reshape(dz, [n, v]), sw!), sh!.shape),
        weight: () => tf.matMul(tf.reshape(dz, [n, v]), tf.reshape(sh!, [n, c]), true, false),
      }),
    );
    return { loss, logits: out };
  } finally {
    logits?.dispose();
  }
}
