import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matMul, type Tensor, tf } from '@gptft/backend';
import { SafetensorsFile } from '@gptft/hub';
import type { GPT2Model } from '../src/index.js';

/** The PyTorch reference fixtures (see fixtures/gpt2-tiny-ref/README.md). */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));

export interface Expected {
  lm: Array<{ text: string; ids: number[]; argmax: number[]; loss: number }>;
  greedy: Array<{ prompt: string; prompt_ids: number[]; greedy_ids: number[] }>;
  grad: { ids: number[]; loss: number; grad_l2: Record<string, number> };
  prefix: { ids: number[]; num_virtual_tokens: number };
}

export const expected: Expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8'));

let arrays: SafetensorsFile | undefined;
/** An array of expected.safetensors as float32. */
export async function expectedArray(name: string): Promise<Float32Array> {
  arrays ??= await SafetensorsFile.open(`${FIXTURES}expected.safetensors`);
  return arrays.getFloat32(name);
}

/** Tied LM logits: hidden [.., C] · wteᵀ → [N, V] (the heads package owns the real LM head). */
export function tiedLogits(model: GPT2Model, hidden: Tensor): Tensor {
  return tf.tidy(() => matMul(tf.reshape(hidden, [-1, model.config.nEmbd]), model.wte.weight, false, true));
}

/** Mean next-token cross-entropy of ids under logits [T, V] (predicting ids[1..] from positions ..T−1). */
export function nextTokenLoss(logits: Tensor, ids: number[]): Tensor {
  return tf.tidy(() => {
    const n = ids.length - 1;
    const l = tf.slice(logits, [0, 0], [n, -1]);
    const lse = tf.logSumExp(l, -1);
    const picked = tf.sum(tf.mul(l, tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), l.shape[1]!)), -1);
    return tf.mean(tf.sub(lse, picked));
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** L2 norm accumulated in float64. */
export function l2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

export function argmaxRows(logits: Tensor): number[] {
  return tf.tidy(() => Array.from(tf.argMax(logits, -1).dataSync()));
}
