import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SafetensorsFile } from '@gptft/hub';

/** The PyTorch reference fixtures (fixtures/gpt2-tiny-ref/README.md). */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));

export { maxAbsDiff, nextTokenLoss, tiedLogits } from '@gptft/gpt2-model/testing';

export const expected: { lora: { ids: number[] }; prefix: { ids: number[] } } = JSON.parse(
  readFileSync(`${FIXTURES}expected.json`, 'utf8'),
);

let arrays: SafetensorsFile | undefined;
export async function expectedArray(name: string): Promise<Float32Array> {
  arrays ??= await SafetensorsFile.open(`${FIXTURES}expected.safetensors`);
  return arrays.getFloat32(name);
}
