import { attention } from '../../ops/attention.js';
import { tf } from '../../tf.js';
import type { Tolerance } from '../assert.js';
import { type ConformanceCase, expectTensor, f32 } from '../case.js';
import { uniform } from '../random.js';
import { attentionRef } from '../reference.js';

const tol: Tolerance = { rtol: 1e-4, atol: 2e-6 };

/** A causal bias for T queries at the end of S keys, with some keys padded for batch row 1. */
function causalBias(b: number, t: number, s: number, padded: boolean): number[] {
  const out: number[] = [];
  for (let bi = 0; bi < b; bi++)
    for (let i = 0; i < t; i++)
      for (let j = 0; j < s; j++) out.push(j > s - t + i || (padded && bi === 1 && j < 2) ? -1e9 : 0);
  return out;
}

function attentionCase(
  name: string,
  dims: { b: number; h: number; t: number; s: number; d: number },
  bias: 'none' | 'causal' | 'causal+padding',
): ConformanceCase {
  return {
    group: 'attention',
    name,
    async run() {
      const { b, h, t, s, d } = dims;
      const q = uniform(b * h * t * d, 51, -2, 2);
      const k = uniform(b * h * s * d, 52, -2, 2);
      const v = uniform(b * h * s * d, 53, -2, 2);
      const up = uniform(b * h * t * d, 54);
      const scale = 1 / Math.sqrt(d);
      const bb = bias === 'causal+padding' ? b : 1;
      const biasValues = bias === 'none' ? undefined : causalBias(bb, t, s, bias === 'causal+padding');
      const ref = attentionRef(q, k, v, dims, scale, biasValues && { values: biasValues, b: bb, h: 1 }, up);
      const tq = f32(q, [b, h, t, d]);
      const tk = f32(k, [b, h, s, d]);
      const tv = f32(v, [b, h, s, d]);
      const tu = f32(up, [b, h, t, d]);
      const tb = biasValues && f32(biasValues, [bb, 1, t, s]);
      try {
        await expectTensor(
          `${name}: y`,
          attention(tq, tk, tv, { scale, bias: tb }),
          [b, h, t, d],
          ref.y,
          tol,
        );
        const [dq, dk, dv] = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
          tf.sum(tf.mul(attention(x, y, z, { scale, bias: tb }), tu)),
        )([tq, tk, tv]);
        await expectTensor(`${name}: dq`, dq!, [b, h, t, d], ref.dq, tol);
        await expectTensor(`${name}: dk`, dk!, [b, h, s, d], ref.dk, tol);
        await expectTensor(`${name}: dv`, dv!, [b, h, s, d], ref.dv, tol);
      } finally {
        tf.dispose([tq, tk, tv, tu, ...(tb ? [tb] : [])]);
      }
    },
  };
}

export const attentionCases: ConformanceCase[] = [
  attentionCase('causal, T = S = 6, D = 7 (a SIMD tail)', { b: 2, h: 3, t: 6, s: 6, d: 7 }, 'causal'),
  attentionCase(
    'cached keys (T = 3 of S = 9), causal and padding per row',
    { b: 2, h: 2, t: 3, s: 9, d: 8 },
    'causal+padding',
  ),
  attentionCase('one query (decoding), no bias, D = 64', { b: 3, h: 2, t: 1, s: 11, d: 64 }, 'none'),
];
