import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SafetensorsFile } from '@gptft/hub';

/** The PyTorch reference fixtures (see fixtures/gpt2-tiny-ref/README.md). */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));

export interface Expected {
  lm: Array<{ text: string; ids: number[]; argmax: number[]; loss: number }>;
  greedy: Array<{ prompt: string; prompt_ids: number[]; greedy_ids: number[] }>;
  grad: { ids: number[]; loss: number };
  seqcls: { input_ids: number[][]; attention_mask: number[][]; pad_token_id: number };
  tokcls: { input_ids: number[][]; attention_mask: number[][] };
}

export { maxAbsDiff } from '@gptft/gpt2-model/testing';

export const expected: Expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8'));

let arrays: SafetensorsFile | undefined;
/** An array of expected.safetensors as float32. */
export async function expectedArray(name: string): Promise<Float32Array> {
  arrays ??= await SafetensorsFile.open(`${FIXTURES}expected.safetensors`);
  return arrays.getFloat32(name);
}

/**
 * Whether two float arrays hold the same bits (bit-exact round trips). `expect(a).toEqual(b)` on
 * 3.2M-element arrays (the 50257 × 64 embedding) takes vitest ~10 s; this takes milliseconds.
 */
export function sameBits(
  a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
  b: typeof a,
): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
