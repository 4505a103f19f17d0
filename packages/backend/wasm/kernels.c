// gptft's own WebAssembly kernels (SIMD, 128-bit), used by @gptft/backend-wasm.
//
// The module imports its memory ("env" "memory") and keeps nothing in it: no static data, no stack
// (build.sh checks both), so it can run on the memory of tfjs' wasm module — reading and writing
// tensors where tfjs keeps them — or on a memory of its own (the host AdamW state). Every pointer
// is a byte offset into that memory, every count a number of floats.
//
// Arithmetic is IEEE float32 with one rounding per operation (wasm has no fused multiply-add in
// this instruction set, so nothing is contracted): `adamw` gives exactly the numbers of the
// JavaScript loop it replaces (Math.fround after every operation, PyTorch's op order).
#include <wasm_simd128.h>

typedef float f32;
typedef int i32;

#define EXPORT(name) __attribute__((export_name(#name)))

// exp(x) for 4 lanes: Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial),
// ~1 ulp; 0 below −87.3 (so −1e9 masks give exactly 0), clamped above 88.7.
static inline v128_t exp4(v128_t x) {
  const v128_t hi = wasm_f32x4_splat(88.3762626647949f);
  const v128_t lo = wasm_f32x4_splat(-87.3365447504019f);
  v128_t under = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_min(wasm_f32x4_max(x, lo), hi);
  v128_t fx = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)),
                                              wasm_f32x4_splat(0.5f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t y = wasm_f32x4_splat(1.9875691500e-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.3981999507e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(8.3334519073e-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(4.1665795894e-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(1.6666665459e-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(5.0000001201e-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, z), x), wasm_f32x4_splat(1.0f));
  v128_t n = wasm_i32x4_trunc_sat_f32x4(fx);
  v128_t pow2 = wasm_i32x4_shl(wasm_i32x4_add(n, wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(y, pow2), under);
}

static inline f32 exp1(f32 x) { return wasm_f32x4_extract_lane(exp4(wasm_f32x4_splat(x)), 0); }

static inline f32 hmax(v128_t v) {
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

static inline f32 hsum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// Natural logarithm of s > 0 (for the log-sum-exp; one call per row): log(m · 2^e) with m in
// [√½, √2), a degree-8 polynomial in m − 1 (Cephes' logf).
static f32 log1(f32 s) {
  union { f32 f; i32 i; } u = {s};
  i32 e = ((u.i >> 23) & 255) - 126;
  u.i = (u.i & 0x007fffff) | 0x3f000000;  // m in [0.5, 1)
  f32 x = u.f;
  if (x < 0.70710678118654752440f) {
    e -= 1;
    x = x + x - 1.0f;
  } else {
    x = x - 1.0f;
  }
  f32 z = x * x;
  f32 y = 7.0376836292e-2f;
  y = y * x - 1.1514610310e-1f;
  y = y * x + 1.1676998740e-1f;
  y = y * x - 1.2420140846e-1f;
  y = y * x + 1.4249322787e-1f;
  y = y * x - 1.6668057665e-1f;
  y = y * x + 2.0000714765e-1f;
  y = y * x - 2.4999993993e-1f;
  y = y * x + 3.3333331174e-1f;
  y = y * x * z;
  y += -2.12194440e-4f * (f32)e;
  y += -0.5f * z;
  return x + y + 0.693359375f * (f32)e;
}

// Softmax cross-entropy of `rows` rows of `k` logits against `targets` (int32; < 0: row skipped).
// Returns scale · Σ_kept (logsumexp(row) − row[target]). With `grad` (else 0), writes
// scale · (softmax(row) − one-hot(target)) on kept rows and 0 on skipped ones: one exp per logit
// (the exponentials go to `grad`, then are scaled in place).
EXPORT(softmax_xent)
f32 softmax_xent(const f32 *logits, const i32 *targets, i32 rows, i32 k, f32 scale, f32 *grad) {
  f32 total = 0.0f;
  i32 k4 = k & ~3;
  for (i32 r = 0; r < rows; r++) {
    const f32 *x = logits + (long)r * k;
    i32 t = targets[r];
    if (t < 0) {
      if (grad)
        for (i32 j = 0; j < k; j++) grad[(long)r * k + j] = 0.0f;
      continue;
    }
    v128_t vm = wasm_f32x4_splat(-3.4028235e38f);
    for (i32 j = 0; j < k4; j += 4) vm = wasm_f32x4_max(vm, wasm_v128_load(x + j));
    f32 m = hmax(vm);
    for (i32 j = k4; j < k; j++) m = x[j] > m ? x[j] : m;
    v128_t vmax = wasm_f32x4_splat(m);
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
    f32 *g = grad ? grad + (long)r * k : 0;
    i32 j = 0;
    for (; j + 8 <= k; j += 8) {
      v128_t e0 = exp4(wasm_f32x4_sub(wasm_v128_load(x + j), vmax));
      v128_t e1 = exp4(wasm_f32x4_sub(wasm_v128_load(x + j + 4), vmax));
      s0 = wasm_f32x4_add(s0, e0);
      s1 = wasm_f32x4_add(s1, e1);
      if (g) {
        wasm_v128_store(g + j, e0);
        wasm_v128_store(g + j + 4, e1);
      }
    }
    f32 sum = hsum(wasm_f32x4_add(s0, s1));
    for (; j < k; j++) {
      f32 e = exp1(x[j] - m);
      sum += e;
      if (g) g[j] = e;
    }
    f32 lse = m + log1(sum);
    total += lse - x[t];
    if (g) {
      f32 a = scale / sum;
      v128_t va = wasm_f32x4_splat(a);
      for (j = 0; j < k4; j += 4) wasm_v128_store(g + j, wasm_f32x4_mul(wasm_v128_load(g + j), va));
      for (; j < k; j++) g[j] *= a;
      g[t] -= scale;
    }
  }
  return total * scale;
}

// dst[i] += src[i] for n floats (accumulating a chunk's weight gradient in place).
EXPORT(add_inplace)
void add_inplace(f32 *dst, const f32 *src, i32 n) {
  i32 i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), wasm_v128_load(src + i)));
  for (; i < n; i++) dst[i] += src[i];
}

// One AdamW update of n parameters, torch.optim.AdamW's op order (see the JavaScript loop this
// replaces in @gptft/trainer): p ← p·keep (if decay); m ← m·b1 + g·c1; v ← v·b2 + (g·g)·c2;
// p ← p + negStep · (m / (√v / bc2 + eps)).
EXPORT(adamw)
void adamw(f32 *p, const f32 *g, f32 *m, f32 *v, i32 n, f32 b1, f32 b2, f32 c1, f32 c2, f32 eps, f32 bc2,
           f32 negStep, f32 keep, i32 decay) {
  v128_t B1 = wasm_f32x4_splat(b1), B2 = wasm_f32x4_splat(b2), C1 = wasm_f32x4_splat(c1),
         C2 = wasm_f32x4_splat(c2), EPS = wasm_f32x4_splat(eps), BC2 = wasm_f32x4_splat(bc2),
         NS = wasm_f32x4_splat(negStep), KEEP = wasm_f32x4_splat(decay ? keep : 1.0f);
  i32 i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t pi = wasm_v128_load(p + i);
    if (decay) pi = wasm_f32x4_mul(pi, KEEP);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, C1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2),
                               wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), C2));
    v128_t denom = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(vi), BC2), EPS);
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    wasm_v128_store(p + i, wasm_f32x4_add(pi, wasm_f32x4_mul(NS, wasm_f32x4_div(mi, denom))));
  }
  for (; i < n; i++) {
    f32 gi = g[i];
    f32 pi = decay ? p[i] * keep : p[i];
    f32 mi = m[i] * b1 + gi * c1;
    f32 vi = v[i] * b2 + (gi * gi) * c2;
    f32 denom = __builtin_sqrtf(vi) / bc2 + eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + negStep * (mi / denom);
  }
}

static inline f32 dot(const f32 *a, const f32 *b, i32 n) {
  v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0;
  i32 x = 0;
  for (; x + 8 <= n; x += 8) {
    acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + x), wasm_v128_load(b + x)));
    acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(a + x + 4), wasm_v128_load(b + x + 4)));
  }
  f32 s = hsum(wasm_f32x4_add(acc0, acc1));
  for (; x < n; x++) s += a[x] * b[x];
  return s;
}

// Attention of all heads in one pass: y[b,h,i] = Σ_j softmax_j(q[b,h,i]·k[b,h,j]·scale + bias) v[b,h,j],
// q/y [B,H,T,D], k/v [B,H,S,D], bias [biasB,biasH,T,S] (biasB ∈ {1,B}, biasH ∈ {1,H}; 0: none).
// `scores` is scratch for S floats. Masked scores (−1e9) get weight exactly 0.
EXPORT(attention)
void attention(const f32 *q, const f32 *k, const f32 *v, const f32 *bias, i32 B, i32 H, i32 T, i32 S, i32 D,
               i32 biasB, i32 biasH, f32 scale, f32 *y, f32 *scores) {
  i32 d4 = D & ~3;
  for (i32 b = 0; b < B; b++) {
    for (i32 h = 0; h < H; h++) {
      const f32 *kh = k + (long)(b * H + h) * S * D;
      const f32 *vh = v + (long)(b * H + h) * S * D;
      const f32 *bh = bias ? bias + (long)((biasB == 1 ? 0 : b) * biasH + (biasH == 1 ? 0 : h)) * T * S : 0;
      for (i32 i = 0; i < T; i++) {
        const f32 *qi = q + ((long)(b * H + h) * T + i) * D;
        f32 *yi = y + ((long)(b * H + h) * T + i) * D;
        f32 m = -3.4028235e38f;
        for (i32 j = 0; j < S; j++) {
          f32 sc = dot(qi, kh + (long)j * D, D) * scale;
          if (bh) sc += bh[(long)i * S + j];
          scores[j] = sc;
          m = sc > m ? sc : m;
        }
        v128_t vm = wasm_f32x4_splat(m), vs = wasm_f32x4_splat(0.0f);
        i32 j = 0;
        for (; j + 4 <= S; j += 4) {
          v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(scores + j), vm));
          wasm_v128_store(scores + j, e);
          vs = wasm_f32x4_add(vs, e);
        }
        f32 sum = hsum(vs);
        for (; j < S; j++) {
          f32 e = exp1(scores[j] - m);
          scores[j] = e;
          sum += e;
        }
        for (i32 x = 0; x < D; x++) yi[x] = 0.0f;
        for (j = 0; j < S; j++) {
          f32 e = scores[j];
          if (e == 0.0f) continue;
          const f32 *vj = vh + (long)j * D;
          v128_t ve = wasm_f32x4_splat(e);
          i32 x = 0;
          for (; x < d4; x += 4)
            wasm_v128_store(yi + x, wasm_f32x4_add(wasm_v128_load(yi + x), wasm_f32x4_mul(ve, wasm_v128_load(vj + x))));
          for (; x < D; x++) yi[x] += e * vj[x];
        }
        f32 inv = 1.0f / sum;
        v128_t vi = wasm_f32x4_splat(inv);
        i32 x = 0;
        for (; x < d4; x += 4) wasm_v128_store(yi + x, wasm_f32x4_mul(wasm_v128_load(yi + x), vi));
        for (; x < D; x++) yi[x] *= inv;
      }
    }
  }
}

// dst [cols, rows] = src [rows, cols]ᵀ, `count` matrices one after another: 32 × 32 tiles (both
// sides stay in cache) of 4 × 4 blocks transposed in registers.
static void transpose_tile(const f32 *s, f32 *d, i32 rows, i32 cols, i32 r0, i32 r1, i32 c0, i32 c1) {
  i32 r = r0;
  for (; r + 4 <= r1; r += 4) {
    i32 c = c0;
    for (; c + 4 <= c1; c += 4) {
      v128_t x0 = wasm_v128_load(s + (long)r * cols + c), x1 = wasm_v128_load(s + (long)(r + 1) * cols + c);
      v128_t x2 = wasm_v128_load(s + (long)(r + 2) * cols + c), x3 = wasm_v128_load(s + (long)(r + 3) * cols + c);
      v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
      v128_t t2 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
      wasm_v128_store(d + (long)c * rows + r, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
      wasm_v128_store(d + (long)(c + 1) * rows + r, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
      wasm_v128_store(d + (long)(c + 2) * rows + r, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
      wasm_v128_store(d + (long)(c + 3) * rows + r, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
    }
    for (; c < c1; c++)
      for (i32 q = r; q < r + 4; q++) d[(long)c * rows + q] = s[(long)q * cols + c];
  }
  for (; r < r1; r++)
    for (i32 c = c0; c < c1; c++) d[(long)c * rows + r] = s[(long)r * cols + c];
}

EXPORT(transpose)
void transpose(const f32 *src, f32 *dst, i32 count, i32 rows, i32 cols) {
  for (i32 m = 0; m < count; m++) {
    const f32 *s = src + (long)m * rows * cols;
    f32 *d = dst + (long)m * rows * cols;
    for (i32 r0 = 0; r0 < rows; r0 += 32)
      for (i32 c0 = 0; c0 < cols; c0 += 32)
        transpose_tile(s, d, rows, cols, r0, r0 + 32 < rows ? r0 + 32 : rows, c0, c0 + 32 < cols ? c0 + 32 : cols);
  }
}

// C[M, N] = A[M, K] · B[N, K]ᵀ for a few rows of A (a decoding step's LM head, q·kᵀ with one query):
// each row of B is read once, from memory, and dotted with every row of A (in L1). GEMM kernels that
// tile N by 8 would compute 8× the work for N = 1 or transpose B first.
EXPORT(matmul_nt_rows)
void matmul_nt_rows(const f32 *A, const f32 *B, f32 *C, i32 M, i32 N, i32 K) {
  for (i32 j = 0; j < N; j++) {
    const f32 *b = B + (long)j * K;
    for (i32 i = 0; i < M; i++) C[(long)i * N + j] = dot(A + (long)i * K, b, K);
  }
}

// ---- General matrix product ----
// C[M, n0:n1] = A[M, K] · B[K, n0:n1], all row-major ([M, K], [K, N], [M, N]), for the products of
// training (M ≥ 32 rows); B may be given transposed. Panels of 16 columns; a panel's block of
// GEMM_KC rows is copied into `pack` (contiguous: it stays in L1 whatever N's stride, which for
// N = 768·k maps every row of B to the same few cache sets) and used for all M rows, two rows at a
// time: 8 accumulators, 4 panel loads and 2 broadcasts per k. `pack` is scratch for GEMM_PACK
// floats. Two threads split the rows, or [0, N) at a multiple of 16. Each output is one float32 sum
// in k order within a block of GEMM_KC, blocks added in order.
#define GEMM_KC 256
#define GEMM_PACK (GEMM_KC * 16 + 32)
#define MAC(c, a, b) c = wasm_f32x4_add(c, wasm_f32x4_mul(a, b))
#define LD wasm_v128_load
#define ST wasm_v128_store
#define ADDST(p, c) ST(p, wasm_f32x4_add(LD(p), c))

// C[2 rows, 16] (+)= A[2 rows, kc] · P[kc, 16]; A's rows lda apart, C's rows ldc apart.
static inline void gemm_2x16(const f32 *A, i32 lda, const f32 *P, f32 *C, i32 ldc, i32 kc, i32 acc) {
  v128_t z = wasm_f32x4_splat(0.0f), c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
  const f32 *a1 = A + lda;
  for (i32 k = 0; k < kc; k++) {
    v128_t b0 = LD(P), b1 = LD(P + 4), b2 = LD(P + 8), b3 = LD(P + 12);
    v128_t a = wasm_v128_load32_splat(A + k);
    MAC(c00, a, b0);
    MAC(c01, a, b1);
    MAC(c02, a, b2);
    MAC(c03, a, b3);
    a = wasm_v128_load32_splat(a1 + k);
    MAC(c10, a, b0);
    MAC(c11, a, b1);
    MAC(c12, a, b2);
    MAC(c13, a, b3);
    P += 16;
  }
  f32 *C1 = C + ldc;
  if (acc) {
    ADDST(C, c00), ADDST(C + 4, c01), ADDST(C + 8, c02), ADDST(C + 12, c03);
    ADDST(C1, c10), ADDST(C1 + 4, c11), ADDST(C1 + 8, c12), ADDST(C1 + 12, c13);
  } else {
    ST(C, c00), ST(C + 4, c01), ST(C + 8, c02), ST(C + 12, c03);
    ST(C1, c10), ST(C1 + 4, c11), ST(C1 + 8, c12), ST(C1 + 12, c13);
  }
}

// C[1 row, 16] (+)= A[1 row, kc] · P[kc, 16].
static inline void gemm_1x16(const f32 *A, const f32 *P, f32 *C, i32 kc, i32 acc) {
  v128_t z = wasm_f32x4_splat(0.0f), c0 = z, c1 = z, c2 = z, c3 = z;
  for (i32 k = 0; k < kc; k++) {
    v128_t a = wasm_v128_load32_splat(A + k);
    MAC(c0, a, LD(P));
    MAC(c1, a, LD(P + 4));
    MAC(c2, a, LD(P + 8));
    MAC(c3, a, LD(P + 12));
    P += 16;
  }
  if (acc) ADDST(C, c0), ADDST(C + 4, c1), ADDST(C + 8, c2), ADDST(C + 12, c3);
  else ST(C, c0), ST(C + 4, c1), ST(C + 8, c2), ST(C + 12, c3);
}

// pack[k, x] = Bᵀ[j + x, k0 + k] for x < w (0 past it), k < kc, with Bᵀ = [N, K] rows K apart:
// 4 × 4 blocks transposed in registers.
static void gemm_pack_t(const f32 *Bt, i32 K, i32 j, i32 w, i32 k0, i32 kc, f32 *pack) {
  i32 x = 0;
  for (; x + 4 <= w; x += 4) {
    const f32 *r0 = Bt + (long)(j + x) * K + k0, *r1 = r0 + K, *r2 = r1 + K, *r3 = r2 + K;
    i32 k = 0;
    for (; k + 4 <= kc; k += 4) {
      v128_t x0 = LD(r0 + k), x1 = LD(r1 + k), x2 = LD(r2 + k), x3 = LD(r3 + k);
      v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
      v128_t t2 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
      ST(pack + k * 16 + x, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
      ST(pack + (k + 1) * 16 + x, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
      ST(pack + (k + 2) * 16 + x, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
      ST(pack + (k + 3) * 16 + x, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
    }
    for (; k < kc; k++) {
      pack[k * 16 + x] = r0[k];
      pack[k * 16 + x + 1] = r1[k];
      pack[k * 16 + x + 2] = r2[k];
      pack[k * 16 + x + 3] = r3[k];
    }
  }
  for (; x < 16; x++)
    for (i32 k = 0; k < kc; k++) pack[k * 16 + x] = x < w ? Bt[(long)(j + x) * K + k0 + k] : 0.0f;
}

// With `tb`, B is given transposed: Bᵀ = [N, K] (a linear layer's weight gradient dY·W, q·kᵀ).
// All M rows of one panel: C[M, j:j+w] (+)= A[M, kc] · P[kc, 16] (P packed, zero past column w;
// C's rows N apart). A partial panel (w < 16) goes through `tile` (2 × 16 floats).
static void gemm_panel(const f32 *A, i32 lda, const f32 *P, f32 *C, i32 N, i32 M, i32 kc, i32 acc, i32 w,
                       f32 *tile) {
  if (w == 16) {
    i32 m = 0;
    for (; m + 2 <= M; m += 2) gemm_2x16(A + (long)m * lda, lda, P, C + (long)m * N, N, kc, acc);
    if (m < M) gemm_1x16(A + (long)m * lda, P, C + (long)m * N, kc, acc);
    return;
  }
  for (i32 m = 0; m < M; m += 2) {
    i32 rows = M - m < 2 ? M - m : 2;
    if (rows == 2) gemm_2x16(A + (long)m * lda, lda, P, tile, 16, kc, 0);
    else gemm_1x16(A + (long)m * lda, P, tile, kc, 0);
    for (i32 r = 0; r < rows; r++) {
      f32 *c = C + (long)(m + r) * N;
      for (i32 x = 0; x < w; x++) c[x] = acc ? c[x] + tile[r * 16 + x] : tile[r * 16 + x];
    }
  }
}

// pack[k, x] = B[k0 + k, j + x] for x < w (0 past it), k < kc; B = [K, N] (or Bᵀ = [N, K] with tb).
static void gemm_pack_block(const f32 *B, i32 N, i32 K, i32 tb, i32 j, i32 w, i32 k0, i32 kc, f32 *pack) {
  if (tb) {
    gemm_pack_t(B, K, j, w, k0, kc, pack);
    return;
  }
  const f32 *b = B + (long)k0 * N + j;
  if (w == 16) {
    for (i32 k = 0; k < kc; k++, b += N) {
      ST(pack + k * 16, LD(b));
      ST(pack + k * 16 + 4, LD(b + 4));
      ST(pack + k * 16 + 8, LD(b + 8));
      ST(pack + k * 16 + 12, LD(b + 12));
    }
    return;
  }
  for (i32 k = 0; k < kc; k++, b += N) {
    i32 x = 0;
    for (; x < w; x++) pack[k * 16 + x] = b[x];
    for (; x < 16; x++) pack[k * 16 + x] = 0.0f;
  }
}

// With `tb`, B is given transposed: Bᵀ = [N, K] (a linear layer's weight gradient dY·W, q·kᵀ).
EXPORT(gemm)
void gemm(const f32 *A, const f32 *B, f32 *C, i32 M, i32 N, i32 K, i32 n0, i32 n1, f32 *pack, i32 tb) {
  for (i32 j = n0; j < n1; j += 16) {
    i32 w = n1 - j < 16 ? n1 - j : 16;
    for (i32 k0 = 0; k0 < K; k0 += GEMM_KC) {
      i32 kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
      gemm_pack_block(B, N, K, tb, j, w, k0, kc, pack);
      gemm_panel(A + k0, K, pack, C + j, N, M, kc, k0 > 0, w, pack + GEMM_KC * 16);
    }
  }
}

// B [K, N] (Bᵀ [N, K] with tb) packed whole for `gemm_packed`: panel p (columns 16p…16p+15) is
// K × 16 floats at P + 16·K·p, zero past column N. P holds 16·K·⌈N/16⌉ floats.
EXPORT(gemm_pack)
void gemm_pack(const f32 *B, f32 *P, i32 K, i32 N, i32 tb) {
  for (i32 j = 0; j < N; j += 16) {
    i32 w = N - j < 16 ? N - j : 16;
    for (i32 k0 = 0; k0 < K; k0 += GEMM_KC) {
      i32 kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
      gemm_pack_block(B, N, K, tb, j, w, k0, kc, P + (long)j * K + (long)k0 * 16);
    }
  }
}

// C[M, n0:n1] = A[M, K] · B[K, n0:n1] with B packed by `gemm_pack` (a weight used again and again:
// a prompt's or a decoding step's few rows): each panel is read once, for all rows, whole K at a
// time. n0 is a multiple of 16; `tile` is scratch for 32 floats.
EXPORT(gemm_packed)
void gemm_packed(const f32 *A, const f32 *P, f32 *C, i32 M, i32 N, i32 K, i32 n0, i32 n1, f32 *tile) {
  for (i32 j = n0; j < n1; j += 16) {
    i32 w = n1 - j < 16 ? n1 - j : 16;
    gemm_panel(A, K, P + (long)j * K, C + j, N, M, K, 0, w, tile);
  }
}
