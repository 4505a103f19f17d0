import '@gptft/backend-wasm';
import { tf, useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  clipGradNorm,
  defaultDecayFilter,
  getScheduleLambda,
  numWarmupSteps,
  parseTrainingArguments,
  TrainingArgumentsError,
} from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('TrainingArguments', () => {
  it('fills HF defaults', () => {
    const a = parseTrainingArguments({ outputDir: 'out' });
    expect(a.learningRate).toBe(5e-5);
    expect(a.lrSchedulerType).toBe('linear');
    expect(a.maxSteps).toBe(-1);
    expect(a.adamBeta2).toBe(0.999);
  });
  it('names the bad field', () => {
    expect(() => parseTrainingArguments({ learningRate: -1 })).toThrow(/TrainingArguments\.learningRate/);
    expect(() => parseTrainingArguments({ lrSchedulerType: 'poly' as never })).toThrow(/lrSchedulerType/);
    expect(() => parseTrainingArguments({ learningrate: 1 } as never)).toThrow(/learningrate/);
    try {
      parseTrainingArguments({ gradientAccumulationSteps: 0 });
    } catch (e) {
      expect(e).toBeInstanceOf(TrainingArgumentsError);
      expect((e as TrainingArgumentsError).field).toBe('gradientAccumulationSteps');
    }
  });
  it('computes warmup from ratio like HF (ceil)', () => {
    expect(numWarmupSteps(parseTrainingArguments({ warmupRatio: 0.1 }), 25)).toBe(3);
    expect(numWarmupSteps(parseTrainingArguments({ warmupSteps: 5, warmupRatio: 0.5 }), 25)).toBe(5);
  });
});

describe('LR schedules (hand-computed, HF get_*_schedule_with_warmup)', () => {
  it('linear with warmup 2 of 10', () => {
    const f = getScheduleLambda('linear', 2, 10);
    expect([0, 1, 2, 6, 10, 11].map(f)).toEqual([0, 0.5, 1, 0.5, 0, 0]);
  });
  it('cosine with warmup 2 of 10', () => {
    const f = getScheduleLambda('cosine', 2, 10);
    expect(f(1)).toBe(0.5);
    expect(f(2)).toBeCloseTo(1, 12);
    expect(f(6)).toBeCloseTo(0.5, 12); // half way: 0.5*(1+cos(pi/2))
    expect(f(4)).toBeCloseTo(0.5 * (1 + Math.SQRT1_2), 12); // progress 1/4: cos(pi/4)
    expect(f(10)).toBeCloseTo(0, 12);
  });
  it('constant and constant_with_warmup', () => {
    expect([0, 5].map(getScheduleLambda('constant', 3, 10))).toEqual([1, 1]);
    expect([0, 1, 4, 9].map(getScheduleLambda('constant_with_warmup', 4, 10))).toEqual([0, 0.25, 1, 1]);
  });
});

describe('AdamW (torch.optim.AdamW, hand-computed)', () => {
  it('two steps on a 2-D and a bias parameter', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const opt = new AdamW(
      [
        ['lin.weight', w],
        ['lin.bias', b],
      ],
      { lr: 0.1, weightDecay: 0.5, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    );
    expect(opt.decayedParameterNames()).toEqual(['lin.weight']);
    // step 1, g = [0.2, 0.4] / [1]: m̂ = g, v̂ = g², update = lr * g/(|g|+eps) ≈ lr*sign(g)
    const g1 = { 'lin.weight': tf.tensor2d([[0.2, 0.4]]), 'lin.bias': tf.tensor1d([1]) };
    opt.step(g1);
    const wExp1 = [1 * (1 - 0.05) - 0.1 * (0.2 / (0.2 + 1e-8)), -2 * (1 - 0.05) - 0.1 * (0.4 / (0.4 + 1e-8))];
    const wGot1 = w.dataSync();
    expect(wGot1[0]).toBeCloseTo(wExp1[0]!, 6);
    expect(wGot1[1]).toBeCloseTo(wExp1[1]!, 6);
    expect(b.dataSync()[0]).toBeCloseTo(0.5 - 0.1, 6); // no decay on bias
    // step 2, g = [-0.2, 0.4]
    const g2 = { 'lin.weight': tf.tensor2d([[-0.2, 0.4]]), 'lin.bias': tf.tensor1d([1]) };
    opt.step(g2);
    const m = [0.9 * 0.1 * 0.2 + 0.1 * -0.2, 0.9 * 0.1 * 0.4 + 0.1 * 0.4];
    const v = [0.999 * 0.001 * 0.04 + 0.001 * 0.04, 0.999 * 0.001 * 0.16 + 0.001 * 0.16];
    const bc1 = 1 - 0.9 ** 2;
    const bc2 = 1 - 0.999 ** 2;
    const wExp2 = wExp1.map(
      (p, i) => p * (1 - 0.05) - (0.1 / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + 1e-8)),
    );
    const wGot2 = w.dataSync();
    expect(wGot2[0]).toBeCloseTo(wExp2[0]!, 5);
    expect(wGot2[1]).toBeCloseTo(wExp2[1]!, 5);
    expect(opt.stepCount).toBe(2);
    for (const g of [g1, g2]) for (const t of Object.values(g)) t.dispose();
    opt.dispose();
    w.dispose();
    b.dispose();
  });
  it('default decay filter: no bias, no LayerNorm, no 1-D', () => {
    const m = tf.variable(tf.zeros([2, 2]));
    const v = tf.variable(tf.zeros([2]));
    expect(defaultDecayFilter('h.0.attn.c_attn.weight', m)).toBe(true);
    expect(defaultDecayFilter('h.0.ln_1.weight', v)).toBe(false);
    expect(defaultDecayFilter('h.0.ln_1.weight', m)).toBe(false);
    expect(defaultDecayFilter('h.0.attn.c_attn.bias', v)).toBe(false);
    m.dispose();
    v.dispose();
  });
});

describe('clipGradNorm (torch.nn.utils.clip_grad_norm_)', () => {
  it('scales by maxNorm/(total+1e-6) when above, leaves alone when below', () => {
    const grads = { a: tf.tensor1d([3]), b: tf.tensor1d([4]) }; // total 5
    const r = clipGradNorm(grads, 1);
    expect(r.totalNorm).toBeCloseTo(5, 6);
    expect(r.grads.a!.dataSync()[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(r.grads.b!.dataSync()[0]).toBeCloseTo(4 / (5 + 1e-6), 6);
    const small = { a: tf.tensor1d([0.3]) };
    const r2 = clipGradNorm(small, 1);
    expect(r2.grads.a).toBe(small.a);
    for (const t of [...Object.values(r.grads), ...Object.values(r2.grads)]) t.dispose();
  });
});

describe('AdamW with the moments in host memory (stateLocation: host)', () => {
  it('matches the hand-computed first step and the device optimizer over 5 steps (1e-6)', () => {
    const init = () => [
      tf.variable(tf.randomNormal([7, 5], 0, 1, 'float32', 3)),
      tf.variable(tf.randomNormal([5], 0, 1, 'float32', 4)),
    ];
    const [wd, bd] = init();
    const [wh, bh] = init();
    const opts = { lr: 0.05, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const dev = new AdamW(
      [
        ['w', wd!],
        ['b', bd!],
      ],
      opts,
    );
    const host = new AdamW(
      [
        ['w', wh!],
        ['b', bh!],
      ],
      { ...opts, stateLocation: 'host' },
    );
    const w0 = Array.from(wh!.dataSync());
    const before = tf.memory().numTensors;
    for (let s = 0; s < 5; s++) {
      const g = {
        w: tf.randomNormal([7, 5], 0, 1, 'float32', 10 + s),
        b: tf.randomNormal([5], 0, 1, 'float32', 20 + s),
      };
      if (s === 0) {
        // Step 1: p(1 - lr·wd) − lr·g/(|g| + eps) for the decayed 2-D weight.
        const gw = g.w.dataSync();
        host.step(g);
        const got = wh!.dataSync();
        for (let i = 0; i < gw.length; i++) {
          expect(got[i]).toBeCloseTo(w0[i]! * (1 - 0.005) - (0.05 * gw[i]!) / (Math.abs(gw[i]!) + 1e-8), 6);
        }
      } else host.step(g);
      dev.step(g);
      tf.dispose(Object.values(g));
    }
    // The host optimizer holds no tensors; the device one holds 2 per parameter.
    expect(tf.memory().numTensors - before).toBe(4);
    expect(Object.keys(host.stateTensors())).toEqual([]);
    for (const [a, b] of [
      [wd!, wh!],
      [bd!, bh!],
    ]) {
      const x = a!.dataSync();
      const y = b!.dataSync();
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-6);
    }
    const sd = dev.stateArrays();
    const sh = host.stateArrays();
    expect(Object.keys(sh).sort()).toEqual(Object.keys(sd).sort());
    for (const k of Object.keys(sd)) {
      for (let i = 0; i < sd[k]!.data.length; i++)
        expect(Math.abs(sd[k]!.data[i]! - sh[k]!.data[i]!)).toBeLessThan(1e-6);
    }
    dev.dispose();
    host.dispose();
    tf.dispose([wd!, bd!, wh!, bh!]);
  });
});

describe('host AdamW kernel (SIMD wasm) equals the float32 JavaScript loop in torch op order', () => {
  /** torch.optim.AdamW's update with Math.fround after every operation (the loop the kernel replaced). */
  function reference(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    o: { lr: number; b1: number; b2: number; eps: number; wd: number; t: number; decay: boolean },
  ) {
    const f = Math.fround;
    const stepSize = o.lr / (1 - o.b1 ** o.t);
    const bc2 = f(Math.sqrt(1 - o.b2 ** o.t));
    const keep = f(1 - o.lr * o.wd);
    for (let i = 0; i < p.length; i++) {
      const pi = o.decay ? f(p[i]! * keep) : p[i]!;
      const mi = f(f(m[i]! * f(o.b1)) + f(g[i]! * f(1 - o.b1)));
      const vi = f(f(v[i]! * f(o.b2)) + f(f(g[i]! * g[i]!) * f(1 - o.b2)));
      const denom = f(f(f(Math.sqrt(vi)) / bc2) + f(o.eps));
      m[i] = mi;
      v[i] = vi;
      p[i] = f(pi + f(f(-stepSize) * f(mi / denom)));
    }
  }

  it('bit for bit over 4 steps, sizes 1, 7 and 1001 (SIMD body and scalar tail), decayed or not', () => {
    const shapes: [string, number[]][] = [
      ['h.0.attn.c_attn.weight', [13, 77]],
      ['h.0.ln_1.bias', [7]],
      ['scalar_like.weight', [1, 1]],
    ];
    const lr = 3e-3;
    const params = shapes.map(
      ([n, s], i) => [n, tf.variable(tf.randomNormal(s, 0, 1, 'float32', 30 + i))] as [string, tf.Variable],
    );
    const opt = new AdamW(params, { lr, weightDecay: 0.1, stateLocation: 'host' });
    const mirror = params.map(([, v]) => ({
      p: Float32Array.from(v.dataSync()),
      m: new Float32Array(v.size),
      v: new Float32Array(v.size),
    }));
    for (let t = 1; t <= 4; t++) {
      const grads: Record<string, tf.Tensor> = {};
      for (const [i, [n, v]] of params.entries()) {
        grads[n] = tf.randomNormal(v.shape, 0, 10 ** (i - 2), 'float32', 100 * t + i);
        const decay = v.rank >= 2 && !n.endsWith('bias');
        reference(mirror[i]!.p, grads[n]!.dataSync() as Float32Array, mirror[i]!.m, mirror[i]!.v, {
          lr,
          b1: 0.9,
          b2: 0.999,
          eps: 1e-8,
          wd: 0.1,
          t,
          decay,
        });
      }
      opt.step(grads);
      tf.dispose(Object.values(grads));
    }
    const state = opt.stateArrays();
    for (const [i, [n, v]] of params.entries()) {
      expect(Array.from(v.dataSync())).toEqual(Array.from(mirror[i]!.p));
      expect(Array.from(state[`${n}.exp_avg`]!.data)).toEqual(Array.from(mirror[i]!.m));
      expect(Array.from(state[`${n}.exp_avg_sq`]!.data)).toEqual(Array.from(mirror[i]!.v));
    }
    opt.dispose();
    tf.dispose(params.map(([, v]) => v));
  });
});
