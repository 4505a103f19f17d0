import { embedding } from '../../ops/embedding.js';
import { tf } from '../../tf.js';
import type { Tensor, Variable } from '../../tf.js';
import { ConformanceError } from '../assert.js';
import { type ConformanceCase, expectTensor, f32 } from '../case.js';
import { integers, uniform } from '../random.js';
import { gatherRowsRef, scatterAddRowsRef } from '../reference.js';

const V = 37;
const C = 5;
const idsShape = [3, 4];
// Repeated ids on purpose: their gradient rows must be summed.
const ids = [...integers(10, 11, V), 4, 4];
const weight = uniform(V * C, 12);
const upstream = uniform(ids.length * C, 13);

export const gatherScatterCases: ConformanceCase[] = [
  {
    group: 'gather/scatter',
    name: 'tf.gather rows (axis 0) with ids of rank 2',
    async run() {
      const w = f32(weight, [V, C]);
      const i = tf.tensor(ids, idsShape, 'int32');
      await expectTensor('tf.gather', tf.gather(w, i), [...idsShape, C], gatherRowsRef(weight, C, ids));
      tf.dispose([w, i]);
    },
  },
  {
    group: 'gather/scatter',
    name: 'tf.scatterND sums updates of repeated indices into a zero [V, C]',
    async run() {
      const i = tf.tensor(ids, [ids.length, 1], 'int32');
      const u = f32(upstream, [ids.length, C]);
      await expectTensor(
        'tf.scatterND',
        tf.scatterND(i, u, [V, C]),
        [V, C],
        scatterAddRowsRef(V, C, ids, upstream),
      );
      tf.dispose([i, u]);
    },
  },
];

export const embeddingCases: ConformanceCase[] = [
  {
    group: 'embedding',
    name: 'gather forward (ids of rank 2)',
    async run() {
      const w = f32(weight, [V, C]);
      const i = tf.tensor(ids, idsShape, 'int32');
      await expectTensor(
        'embedding(weight, ids)',
        embedding(w, i),
        [...idsShape, C],
        gatherRowsRef(weight, C, ids),
      );
      tf.dispose([w, i]);
    },
  },
  {
    group: 'embedding',
    name: 'tf.grad w.r.t. weight sums rows of repeated ids (scatter-add)',
    async run() {
      const w = f32(weight, [V, C]);
      const i = tf.tensor(ids, idsShape, 'int32');
      const g = f32(upstream, [...idsShape, C]);
      const dW = tf.grad((x: Tensor) => tf.sum(tf.mul(embedding(x, i), g)))(w);
      await expectTensor('d/dweight', dW, [V, C], scatterAddRowsRef(V, C, ids, upstream));
      tf.dispose([w, i, g]);
    },
  },
  {
    group: 'embedding',
    name: 'tf.variableGrads with a tf.Variable weight, through a following op',
    async run() {
      const init = f32(weight, [V, C]);
      const w = tf.variable(init) as Variable;
      init.dispose();
      const i = tf.tensor(ids, idsShape, 'int32');
      // loss = sum(emb²) / 2  →  dW[v] = sum over positions p with ids[p] = v of W[v]
      const { value, grads } = tf.variableGrads(
        () => tf.div(tf.sum(tf.square(embedding(w, i))), 2) as tf.Scalar,
        [w],
      );
      const dW = grads[w.name];
      if (!dW) throw new ConformanceError(`variableGrads returned no gradient for ${w.name}`);
      const rows = gatherRowsRef(weight, C, ids);
      let loss = 0;
      for (const x of rows) loss += (x * x) / 2;
      await expectTensor('loss', value, [], [loss]);
      await expectTensor('d/dweight', dW, [V, C], scatterAddRowsRef(V, C, ids, rows));
      tf.dispose([w, i]);
    },
  },
];
