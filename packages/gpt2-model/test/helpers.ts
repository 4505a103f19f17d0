import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Tensor, tf } from '@gptft/backend';
import { SafetensorsFile } from '@gptft/hub';

/** The PyTorch reference fixtures (see fixtures/gpt2-tiny-ref/README.md). */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));

export interface Expected {
  lm: Array<{ text: string; ids: number[]; argmax: number[]; loss: number }>;
  greedy: Array<{ prompt: string; prompt_ids: number[]; greedy_ids: number[] }>;
  grad: { ids: number[]; loss: number; grad_l2: Record<string, number> };
  prefix: { ids: number[]; num_virtual_tokens: number };
}

export { maxAbsDiff, nextTokenLoss, tiedLogits } from '../src/testing/index.js';

export const expected: Expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8'));

let arrays: SafetensorsFile | undefined;
/** An array of expected.safetensors as float32. */
export async function expectedArray(name: string): Promise<Float32Array> {
  arrays ??= await SafetensorsFile.open(`${FIXTURES}expected.safetensors`);
  return arrays.getFloat32(name);
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
