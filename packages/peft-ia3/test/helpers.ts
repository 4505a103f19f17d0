import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crossEntropy, tf } from '@gptft/backend';
import { tiedLogits } from '@gptft/gpt2-model/testing';
import type { GPT2Model } from '@gptft/gpt2-model';
import type { PeftModel } from '@gptft/peft';
import { SafetensorsFile } from '@gptft/hub';

/** The repository's PyTorch reference fixtures (fixtures/gpt2-tiny-ref/README.md). */
export const GPT2_TINY = fileURLToPath(
  new URL('../../../fixtures/gpt2-tiny-ref/gpt2-tiny/', import.meta.url),
);
/** This package's IA³ reference (written by test/reference/ia3_reference.py). */
export const IA3_FIXTURE = fileURLToPath(new URL('./fixtures/ia3/', import.meta.url));

export { maxAbsDiff, tiedLogits } from '@gptft/gpt2-model/testing';

export const expected: { ids: number[]; loss: number } = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/ia3-expected.json', import.meta.url)), 'utf8'),
);

let arrays: SafetensorsFile | undefined;
export async function expectedArray(name: string): Promise<Float32Array> {
  arrays ??= await SafetensorsFile.open(
    fileURLToPath(new URL('./fixtures/ia3-expected.safetensors', import.meta.url)),
  );
  return arrays.getFloat32(name);
}

/** Logits of one sequence through a PEFT model (or its base model when `pm` is a GPT2Model). */
export function logitsOf(pm: PeftModel | GPT2Model, model: GPT2Model, ids: number[]): Float32Array {
  const out = pm.forward({ inputIds: [ids] });
  const logits = tiedLogits(model, out.lastHiddenState);
  const data = logits.dataSync() as Float32Array;
  tf.dispose([logits, out.lastHiddenState]);
  return data;
}

/** Mean next-token cross-entropy over a batch of equal-length rows (tied head). */
export function causalLoss(pm: PeftModel, model: GPT2Model, batch: number[][]): tf.Scalar {
  return tf.tidy(() => {
    const h = pm.forward({ inputIds: batch }).lastHiddenState;
    // labels: the next token, none (-100) after the last position of a row
    return crossEntropy(
      tiedLogits(model, h),
      batch.flatMap((r) => [...r.slice(1), -100]),
    );
  });
}
