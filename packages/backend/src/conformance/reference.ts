// Float64 reference implementations, written out from the definitions with no tfjs involved.
// Matrices are row-major flat arrays.
import { IGNORE_INDEX } from '../labels.js';

/** Rows `ids` of a row-major [V, C] matrix, concatenated. */
export function gatherRowsRef(weight: readonly number[], width: number, ids: readonly number[]): number[] {
  const out: number[] = [];
  for (const id of ids) for (let c = 0; c < width; c++) out.push(weight[id * width + c]);
  return out;
}

/** A zero [V, C] matrix into whose row ids[p] each row p of `rows` is added. */
export function scatterAddRowsRef(
  vocab: number,
  width: number,
  ids: readonly number[],
  rows: readonly number[],
): number[] {
  const out = new Array<number>(vocab * width).fill(0);
  ids.forEach((id, p) => {
    for (let c = 0; c < width; c++) out[id * width + c] += rows[p * width + c];
  });
  return out;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Broadcast of two batch shapes (numpy rules). */
export function broadcastShapeRef(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Flat index into batch shape `sub` of flat index `i` of the broadcast batch shape `outer`. */
function batchIndexRef(i: number, outer: readonly number[], sub: readonly number[]): number {
  let rest = i;
  let j = 0;
  let stride = 1;
  for (let d = outer.length - 1; d >= 0; d--) {
    const coord = rest % outer[d]!;
    rest = Math.floor(rest / outer[d]!);
    const s = d - (outer.length - sub.length);
    if (s >= 0) {
      if (sub[s] !== 1) j += coord * stride;
      stride *= sub[s]!;
    }
  }
  return j;
}

interface MatMulGeometry {
  M: number;
  K: number;
  N: number;
  outer: number[];
  /** Flat index into a of element (batch ia, row m, inner k) of op(a). */
  at: (ia: number, m: number, k: number) => number;
  /** Flat index into b of element (batch ib, inner k, column n) of op(b). */
  bt: (ib: number, k: number, n: number) => number;
  batchA: (i: number) => number;
  batchB: (i: number) => number;
}

function geometry(aShape: number[], bShape: number[], tA: boolean, tB: boolean): MatMulGeometry {
  const ar = aShape.length;
  const br = bShape.length;
  const M = tA ? aShape[ar - 1]! : aShape[ar - 2]!;
  const K = tA ? aShape[ar - 2]! : aShape[ar - 1]!;
  const N = tB ? bShape[br - 2]! : bShape[br - 1]!;
  const oa = aShape.slice(0, -2);
  const ob = bShape.slice(0, -2);
  const outer = broadcastShapeRef(oa, ob);
  return {
    M,
    K,
    N,
    outer,
    at: (ia, m, k) => ia * M * K + (tA ? k * M + m : m * K + k),
    bt: (ib, k, n) => ib * K * N + (tB ? n * K + k : k * N + n),
    batchA: (i) => batchIndexRef(i, outer, oa),
    batchB: (i) => batchIndexRef(i, outer, ob),
  };
}

/** op(a)·op(b) with numpy broadcasting of the batch dimensions, in float64. */
export function matMulRef(
  a: readonly number[],
  aShape: number[],
  b: readonly number[],
  bShape: number[],
  tA: boolean,
  tB: boolean,
): { values: number[]; shape: number[] } {
  const g = geometry(aShape, bShape, tA, tB);
  const batch = sizeOf(g.outer);
  const values = new Array<number>(batch * g.M * g.N).fill(0);
  for (let i = 0; i < batch; i++) {
    const ia = g.batchA(i);
    const ib = g.batchB(i);
    for (let m = 0; m < g.M; m++) {
      for (let n = 0; n < g.N; n++) {
        let s = 0;
        for (let k = 0; k < g.K; k++) s += a[g.at(ia, m, k)]! * b[g.bt(ib, k, n)]!;
        values[(i * g.M + m) * g.N + n] = s;
      }
    }
  }
  return { values, shape: [...g.outer, g.M, g.N] };
}

/**
 * Gradients of L = Σ upstream ⊙ (op(a)·op(b)) with respect to a and b, straight from the
 * definition (every product term contributes to one element of each operand), in float64.
 */
export function matMulGradRef(
  upstream: readonly number[],
  a: readonly number[],
  aShape: number[],
  b: readonly number[],
  bShape: number[],
  tA: boolean,
  tB: boolean,
): { dA: number[]; dB: number[] } {
  const g = geometry(aShape, bShape, tA, tB);
  const batch = sizeOf(g.outer);
  const dA = new Array<number>(a.length).fill(0);
  const dB = new Array<number>(b.length).fill(0);
  for (let i = 0; i < batch; i++) {
    const ia = g.batchA(i);
    const ib = g.batchB(i);
    for (let m = 0; m < g.M; m++) {
      for (let n = 0; n < g.N; n++) {
        const up = upstream[(i * g.M + m) * g.N + n]!;
        for (let k = 0; k < g.K; k++) {
          const ai = g.at(ia, m, k);
          const bi = g.bt(ib, k, n);
          dA[ai] += up * b[bi]!;
          dB[bi] += up * a[ai]!;
        }
      }
    }
  }
  return { dA, dB };
}

/** Softmax of each row of a row-major [rows, width] matrix, in float64 (max-subtracted). */
export function softmaxRef(x: readonly number[], width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / width; r++) {
    const row = x.slice(r * width, (r + 1) * width);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((s, v) => s + v, 0);
    for (const v of e) out.push(v / sum);
  }
  return out;
}

/** Log-softmax of each row, in float64. */
export function logSoftmaxRef(x: readonly number[], width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / width; r++) {
    const row = x.slice(r * width, (r + 1) * width);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    for (const v of row) out.push(v - lse);
  }
  return out;
}

/** GPT-2's layer norm of each row: (x − mean) / sqrt(var + eps) · gamma + beta, biased variance. */
export function layerNormRef(
  x: readonly number[],
  gamma: readonly number[],
  beta: readonly number[],
  eps: number,
): number[] {
  const width = gamma.length;
  const out: number[] = [];
  for (let r = 0; r < x.length / width; r++) {
    const row = x.slice(r * width, (r + 1) * width);
    const mean = row.reduce((s, v) => s + v, 0) / width;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / width;
    const inv = 1 / Math.sqrt(variance + eps);
    row.forEach((v, c) => {
      out.push((v - mean) * inv * gamma[c]! + beta[c]!);
    });
  }
  return out;
}

/** gelu_new (GPT-2's tanh approximation): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluNewRef(x: readonly number[]): number[] {
  return x.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
}

/**
 * d/dx of Σ upstream ⊙ f(x) by central differences on a float64 function — an independent check
 * of a gradient (error ~1e-9 for smooth f at h = 1e-5).
 */
export function numericGradRef(
  f: (x: number[]) => number[],
  x: readonly number[],
  upstream: readonly number[],
  h = 1e-5,
): number[] {
  const point = [...x];
  return x.map((v, i) => {
    point[i] = v + h;
    const plus = f(point);
    point[i] = v - h;
    const minus = f(point);
    point[i] = v;
    let s = 0;
    for (let j = 0; j < upstream.length; j++) s += (upstream[j]! * (plus[j]! - minus[j]!)) / (2 * h);
    return s;
  });
}

/**
 * Mean cross-entropy of logits = hidden · weightᵀ ([n, c] · [v, c]ᵀ) against `labels` (−100 skipped),
 * with its gradients dHidden [n, c] and dWeight [v, c] and the logits, in float64.
 */
export function linearCrossEntropyRef(
  hidden: ArrayLike<number>,
  weight: ArrayLike<number>,
  labels: readonly number[],
  n: number,
  c: number,
  v: number,
): { loss: number; dHidden: number[]; dWeight: number[]; logits: number[] } {
  const kept = labels.filter((y) => y !== IGNORE_INDEX).length;
  let loss = 0;
  const dHidden = new Array<number>(n * c).fill(0);
  const dWeight = new Array<number>(v * c).fill(0);
  const logits = new Array<number>(n * v).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < v; j++) {
      let s = 0;
      for (let q = 0; q < c; q++) s += hidden[i * c + q]! * weight[j * c + q]!;
      logits[i * v + j] = s;
    }
    const y = labels[i]!;
    if (y === IGNORE_INDEX) continue;
    const z = logits.slice(i * v, (i + 1) * v);
    const m = Math.max(...z);
    const sum = z.reduce((a, x) => a + Math.exp(x - m), 0);
    loss += m + Math.log(sum) - z[y]!;
    for (let j = 0; j < v; j++) {
      const g = (Math.exp(z[j]! - m) / sum - (j === y ? 1 : 0)) / kept;
      for (let q = 0; q < c; q++) {
        dHidden[i * c + q]! += g * weight[j * c + q]!;
        dWeight[j * c + q]! += g * hidden[i * c + q]!;
      }
    }
  }
  return { loss: loss / kept, dHidden, dWeight, logits };
}

/**
 * Attention in float64: y = softmax(q·kᵀ·scale + bias)·v per (b, h), q [B,H,T,D], k/v [B,H,S,D],
 * bias [Bb,Hb,T,S] broadcast (or none); with the gradients of Σ up ⊙ y.
 */
export function attentionRef(
  q: readonly number[],
  k: readonly number[],
  v: readonly number[],
  dims: { b: number; h: number; t: number; s: number; d: number },
  scale: number,
  bias: { values: readonly number[]; b: number; h: number } | undefined,
  up: readonly number[],
): { y: number[]; dq: number[]; dk: number[]; dv: number[] } {
  const { b, h, t, s, d } = dims;
  const y = new Array<number>(b * h * t * d).fill(0);
  const dq = new Array<number>(b * h * t * d).fill(0);
  const dk = new Array<number>(b * h * s * d).fill(0);
  const dv = new Array<number>(b * h * s * d).fill(0);
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const qo = (bi * h + hi) * t * d;
      const ko = (bi * h + hi) * s * d;
      for (let i = 0; i < t; i++) {
        const sc = new Array<number>(s).fill(0);
        for (let j = 0; j < s; j++) {
          let dot = 0;
          for (let x = 0; x < d; x++) dot += q[qo + i * d + x]! * k[ko + j * d + x]!;
          const bb = bias
            ? bias.values[(((bias.b === 1 ? 0 : bi) * bias.h + (bias.h === 1 ? 0 : hi)) * t + i) * s + j]!
            : 0;
          sc[j] = dot * scale + bb;
        }
        const m = Math.max(...sc);
        const e = sc.map((z) => Math.exp(z - m));
        const sum = e.reduce((a, z) => a + z, 0);
        const p = e.map((z) => z / sum);
        const dP = new Array<number>(s).fill(0);
        for (let j = 0; j < s; j++) {
          for (let x = 0; x < d; x++) {
            y[qo + i * d + x]! += p[j]! * v[ko + j * d + x]!;
            dv[ko + j * d + x]! += p[j]! * up[qo + i * d + x]!;
            dP[j]! += up[qo + i * d + x]! * v[ko + j * d + x]!;
          }
        }
        const dot = p.reduce((a, pj, j) => a + pj * dP[j]!, 0);
        for (let j = 0; j < s; j++) {
          const dS = p[j]! * (dP[j]! - dot) * scale;
          for (let x = 0; x < d; x++) {
            dq[qo + i * d + x]! += dS * k[ko + j * d + x]!;
            dk[ko + j * d + x]! += dS * q[qo + i * d + x]!;
          }
        }
      }
    }
  }
  return { y, dq, dk, dv };
}
