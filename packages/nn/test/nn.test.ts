import '@gptft/backend-wasm';
import { SeededRandom, tf, useBackend } from '@gptft/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  backboneOf,
  Conv1D,
  Dropout,
  Embedding,
  init,
  isTaskModel,
  LayerNorm,
  Linear,
  Module,
  ModuleDict,
  ParameterDict,
  SeedStream,
  type TaskModel,
} from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** x·W(+b) in float64 on the host, W given [out, in]. */
function dense(x: number[][], wOutIn: number[][], b?: number[]): number[][] {
  return x.map((row) => wOutIn.map((w, o) => w.reduce((s, v, i) => s + v * row[i]!, b?.[o] ?? 0)));
}

describe('Linear and its Conv1D layout', () => {
  const x = [
    [0.5, -1, 2],
    [1.5, 0.25, -0.75],
  ];
  const w = [
    [0.1, 0.2, 0.3],
    [-0.4, 0.5, 0.6],
  ]; // [out 2, in 3]
  const b = [0.01, -0.02];

  it('computes x·Wᵀ + b for a PyTorch [out, in] weight, with and without bias, over any leading axes', () => {
    const lin = new Linear(tf.tensor2d(w), tf.tensor1d(b));
    expect([lin.inFeatures, lin.outFeatures, lin.fanInFanOut]).toEqual([3, 2, false]);
    const y = lin.forward(tf.tensor3d([x]));
    expect(y.shape).toEqual([1, 2, 2]);
    const want = dense(x, w, b).flat();
    Array.from(y.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 6);
    });
    const noBias = new Linear(tf.tensor2d(w));
    expect(noBias.bias).toBeUndefined();
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(['weight']);
    tf.dispose([y]);
    lin.dispose();
    noBias.dispose();
  });

  it('Conv1D is the same layer with the weight stored [in, out] (HF names weight, bias)', () => {
    const wt = w[0]!.map((_, i) => w.map((row) => row[i]!)); // [in, out]
    const conv = new Conv1D(3, 2, tf.tensor2d(wt), tf.tensor1d(b));
    expect(conv).toBeInstanceOf(Linear);
    expect([conv.nx, conv.nf, conv.fanInFanOut]).toEqual([3, 2, true]);
    expect(conv.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    const lin = new Linear(tf.tensor2d(w), tf.tensor1d(b));
    const a = conv.forward(tf.tensor2d(x));
    const c = lin.forward(tf.tensor2d(x));
    Array.from(a.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(c.dataSync()[i]!, 6);
    });
    expect(() => new Linear(tf.tensor2d(w), tf.tensor1d([1, 2, 3]))).toThrow(/bias must be \[2\]/);
    tf.dispose([a, c]);
    conv.dispose();
    lin.dispose();
  });
});

describe('module containers', () => {
  it('ModuleDict / ParameterDict name parameters by entry, as PyTorch (lora_A.default.weight, ia3_l.default)', () => {
    class Holder extends Module {
      constructor() {
        super();
        this.addModule('lora_A', new ModuleDict<Linear>());
        this.addModule('ia3_l', new ParameterDict());
      }
    }
    const h = new Holder();
    h.getSubmodule<ModuleDict<Linear>>('lora_A').set('default', new Linear(tf.zeros([2, 3])));
    h.getSubmodule<ModuleDict<Linear>>('lora_A').set('other', new Linear(tf.zeros([2, 3])));
    h.getSubmodule<ParameterDict>('ia3_l').set('default', tf.ones([3, 1]));
    expect(h.namedParameters().map(([n]) => n)).toEqual([
      'lora_A.default.weight',
      'lora_A.other.weight',
      'ia3_l.default',
    ]);
    const before = tf.memory().numTensors;
    h.getSubmodule<ModuleDict<Linear>>('lora_A').delete('default')!.dispose();
    h.getSubmodule<ParameterDict>('ia3_l').delete('default')!.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
    expect(h.getSubmodule<ModuleDict>('lora_A').keys()).toEqual(['other']);
    expect(h.namedParameters().map(([n]) => n)).toEqual(['lora_A.other.weight']);
    h.dispose();
  });
});

describe('SeedStream (dropout and init seeds from SeededRandom)', () => {
  it('is SeededRandom at a Weyl-sequence position: documented algorithm, state one JSON number, replayable', () => {
    const s = new SeedStream(42);
    expect(s.state).toBe(42);
    const STEP = 5566755282872655; // ⌊2^53 / φ⌋
    const want = [1, 2, 3].map((k) => {
      let p = 42;
      for (let i = 0; i < k; i++) p = (p + STEP) % 2 ** 53;
      return (new SeededRandom(p).nextUint32() % 0x7ffffffe) + 1;
    });
    const state = s.state;
    const got = [s.next(), s.next(), s.next()];
    expect(got).toEqual(want);
    s.restore(JSON.parse(JSON.stringify(state)));
    expect([s.next(), s.next(), s.next()]).toEqual(want);
    expect(got.every((v) => Number.isInteger(v) && v >= 1 && v < 2 ** 31)).toBe(true);
    const other = new SeedStream(43);
    expect([other.next(), other.next()]).not.toEqual(want.slice(0, 2));
    // positions near 2^53 stay exact integers
    const far = new SeedStream(2 ** 53 - 1);
    for (let i = 0; i < 5; i++) far.next();
    expect(Number.isSafeInteger(far.state)).toBe(true);
  });

  it('seeds Dropout: same stream → same mask; eval mode is the identity', () => {
    const x = tf.ones([4, 16]);
    const a = new Dropout(0.5, new SeedStream(3));
    const b = new Dropout(0.5, new SeedStream(3));
    const ya = a.forward(x);
    const yb = b.forward(x);
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    expect(new Set(ya.dataSync()).size).toBe(2); // 0 and 1/keep
    a.eval();
    expect(a.forward(x)).toBe(x);
    tf.dispose([x, ya, yb]);
  });
});

describe('init and layers', () => {
  it('kaimingUniform is U(±1/√fan_in); linearDefault is nn.Linear’s; seeded draws repeat', () => {
    const w = init.kaimingUniform([64, 16], 5);
    const v = w.dataSync();
    expect(Math.max(...Array.from(v, Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...Array.from(v, Math.abs))).toBeGreaterThan(0.2);
    expect(Array.from(init.kaimingUniform([64, 16], 5).dataSync())).toEqual(Array.from(v));
    const { weight, bias } = init.linearDefault(16, 8, { weight: 1, bias: 2 });
    expect([weight.shape, bias.shape]).toEqual([[8, 16], [8]]);
    tf.dispose([w, weight, bias]);
  });

  it('Embedding and LayerNorm keep HF names and shapes', () => {
    const e = new Embedding(10, 4);
    const ln = new LayerNorm(4, 1e-5);
    expect(e.namedParameters().map(([n, p]) => `${n} ${p.shape}`)).toEqual(['weight 10,4']);
    expect(ln.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(() => new Embedding(10, 4, tf.zeros([3, 4]))).toThrow(/weight must be \[10, 4\]/);
    const y = ln.forward(tf.tensor2d([[1, 2, 3, 4]]));
    expect(Math.abs(Array.from(y.dataSync()).reduce((s, x) => s + x, 0))).toBeLessThan(1e-5);
    y.dispose();
    e.dispose();
    ln.dispose();
  });
});

describe('TaskModel', () => {
  it('a task model declares its backbone and head; a plain module is not one', () => {
    class Backbone extends Module {}
    class Head extends Module implements TaskModel {
      readonly baseModelPrefix = 'transformer';
      readonly headModuleNames = ['score'];
      readonly taskType = 'SEQ_CLS' as const;
      constructor(readonly bb: Backbone) {
        super();
        this.addModule('transformer', bb);
      }
    }
    const bb = new Backbone();
    const head = new Head(bb);
    expect(isTaskModel(head)).toBe(true);
    expect(isTaskModel(bb)).toBe(false);
    expect(backboneOf(head)).toBe(bb);
    expect(backboneOf(bb)).toBe(bb);
  });
});
