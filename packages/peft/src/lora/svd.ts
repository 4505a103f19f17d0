/**
 * Truncated SVD of a low-rank product on the host (float64), for LoRA's `add_weighted_adapter`:
 * ΔW = P·Q with P [m, k] and Q [k, n], k small (the sum of the adapters' ranks). Thin QR of P and
 * Qᵀ reduces it to the SVD of a k×k matrix (one-sided Jacobi), so the cost is O((m + n)·k²) instead
 * of an SVD of the full m×n matrix. Singular vectors are unique up to sign (as LAPACK's); products
 * U·S·Vᵀ are what callers compare.
 */

/** A dense row-major matrix. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  const d = new Float64Array(rows * cols);
  if (data) d.set(data);
  return { rows, cols, data: d };
}

function at(a: Mat, i: number, j: number): number {
  return a.data[i * a.cols + j]!;
}

export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = at(a, i, j);
  return t;
}

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul: [${a.rows}, ${a.cols}]·[${b.rows}, ${b.cols}]`);
  const c = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const v = at(a, i, k);
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) c.data[i * b.cols + j]! += v * at(b, k, j);
    }
  }
  return c;
}

/** Thin QR by modified Gram–Schmidt with one re-orthogonalisation: a [m, k] = q [m, k]·r [k, k]. */
export function qr(a: Mat): { q: Mat; r: Mat } {
  const { rows: m, cols: k } = a;
  const q = mat(m, k);
  const r = mat(k, k);
  const col = new Float64Array(m);
  let scale = 0;
  for (const v of a.data) scale = Math.max(scale, Math.abs(v));
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < m; i++) col[i] = at(a, i, j);
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += at(q, i, p) * col[i]!;
        r.data[p * k + j]! += dot;
        for (let i = 0; i < m; i++) col[i]! -= dot * at(q, i, p);
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += col[i]! * col[i]!;
    norm = Math.sqrt(norm);
    if (norm <= 1e-12 * Math.max(scale, 1e-300)) continue; // dependent column: q column stays 0
    r.data[j * k + j] = norm;
    for (let i = 0; i < m; i++) q.data[i * k + j] = col[i]! / norm;
  }
  return { q, r };
}

/**
 * SVD of a small square matrix by one-sided Jacobi: a = u·diag(s)·vᵀ, singular values descending.
 */
export function jacobiSvd(a: Mat): { u: Mat; s: Float64Array; v: Mat } {
  const n = a.cols;
  const m = a.rows;
  const w = mat(m, n, a.data); // columns rotate into u·s
  const v = mat(n, n);
  for (let i = 0; i < n; i++) v.data[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = at(w, i, p);
          const y = at(w, i, q);
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (const mtx of [w, v]) {
          for (let i = 0; i < mtx.rows; i++) {
            const x = at(mtx, i, p);
            const y = at(mtx, i, q);
            mtx.data[i * mtx.cols + p] = c * x - s * y;
            mtx.data[i * mtx.cols + q] = s * x + c * y;
          }
        }
      }
    }
    if (off < 1e-15) break;
  }
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let i = 0; i < m; i++) norm += at(w, i, j) ** 2;
    s[j] = Math.sqrt(norm);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => s[y]! - s[x]!);
  const u = mat(m, n);
  const vs = mat(n, n);
  const ss = new Float64Array(n);
  order.forEach((j, k) => {
    ss[k] = s[j]!;
    for (let i = 0; i < m; i++) u.data[i * n + k] = s[j]! > 0 ? at(w, i, j) / s[j]! : 0;
    for (let i = 0; i < n; i++) vs.data[i * n + k] = at(v, i, j);
  });
  return { u, s: ss, v: vs };
}

/**
 * The rank-`rank` truncated SVD of P·Q: `us` = U[:, :rank]·diag(S[:rank]) [m, rank] and `vh` =
 * Vᵀ[:rank] [rank, n] (zero-padded when P·Q has fewer components).
 */
export function lowRankSvd(p: Mat, q: Mat, rank: number): { us: Mat; vh: Mat } {
  const { q: qp, r: rp } = qr(p); //          p = qp·rp
  const { q: qq, r: rq } = qr(transpose(q)); // qᵀ = qq·rq
  const { u, s, v } = jacobiSvd(matmul(rp, transpose(rq))); // p·q = qp·(rp·rqᵀ)·qqᵀ
  const uu = matmul(qp, u); // [m, k]
  const vv = matmul(qq, v); // [n, k]
  const k = s.length;
  const us = mat(p.rows, rank);
  const vh = mat(rank, q.cols);
  for (let c = 0; c < Math.min(rank, k); c++) {
    for (let i = 0; i < p.rows; i++) us.data[i * rank + c] = at(uu, i, c) * s[c]!;
    for (let j = 0; j < q.cols; j++) vh.data[c * q.cols + j] = at(vv, j, c);
  }
  return { us, vh };
}
