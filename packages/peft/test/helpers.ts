import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matMul, type Tensor, tf } from '@gptft/backend';
import type { GPT2Model } from '@gptft/gpt2-model';
import { SafetensorsFile } from '@gptft/hub';

/** The PyTorch reference fixtures (fixtures/gpt2-tiny-ref/README.md). */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));

export const expected: { lora: { ids: number[] }; prefix: { ids: number[] } } = JSON.parse(
  readFileSync(`${FIXTURES}expected.json`, 'utf8'),
);

let arrays: SafetensorsFile | undefined;
export async function expectedArray(name: string): Promise<Float32Array> {
  arrays ??= await SafetensorsFile.open(`${FIXTURES}expected.safetensors`);
  return arrays.getFloat32(name);
}

/** Tied LM logits: hidden [.., C] · wteᵀ → [N, V]. */
export function tiedLogits(model: GPT2Model, hidden: Tensor): Tensor {
  return tf.tidy(() => matMul(tf.reshape(hidden, [-1, model.config.nEmbd]), model.wte.weight, false, true));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Mean next-token cross-entropy of ids under logits [T, V]. */
export function nextTokenLoss(logits: Tensor, ids: number[]): Tensor {
  return tf.tidy(() => {
    const n = ids.length - 1;
    const l = tf.slice(logits, [0, 0], [n, -1]);
    const lse = tf.logSumExp(l, -1);
    const picked = tf.sum(tf.mul(l, tf.oneHot(tf.tensor1d(ids.slice(1), 'int32'), l.shape[1]!)), -1);
    return tf.mean(tf.sub(lse, picked));
  });
}
