// @gptft/datasets packing collator → GPT2Model (documentIds, positionIds) → Trainer.
import '@gptft/backend-wasm';
import { matMul, tf, useBackend } from '@gptft/backend';
import { type Batch, causalLMCollator, packExamples } from '@gptft/datasets';
import { GPT2Config, GPT2Model } from '@gptft/gpt2-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causalLmLoss, type TrainableModel, Trainer } from '../src/index.js';
import { tmp } from './helpers.js';

let gpt: GPT2Model;
beforeAll(async () => {
  await useBackend('wasm');
  gpt = new GPT2Model(new GPT2Config({ vocabSize: 50, nPositions: 32, nEmbd: 16, nLayer: 2, nHead: 2 }), {
    seed: 9,
  });
  gpt.eval();
});
afterAll(() => gpt.dispose());

const EOS = 49;
const docs = [5, 9, 3, 12, 7, 4, 10].map((n, d) => ({
  inputIds: Array.from({ length: n }, (_, t) => (d * 11 + t * 7) % 48),
}));

function logitsOf(
  ids: tf.Tensor,
  extra: { attentionMask?: tf.Tensor; positionIds?: tf.Tensor; documentIds?: tf.Tensor },
) {
  const h = gpt.forward({ inputIds: ids, ...extra }).lastHiddenState;
  const [b, t, c] = h.shape;
  return tf.reshape(matMul(tf.reshape(h, [b * t, c]), gpt.wte.weight, false, true), [
    b,
    t,
    -1,
  ]) as tf.Tensor3D;
}

/** The causal-LM loss of a collated (possibly packed) batch, honouring its document and position ids. */
function packedLoss(batch: Batch): tf.Scalar {
  const t2 = (a: Int32Array | undefined) => (a ? tf.tensor2d(a, batch.shape, 'int32') : undefined);
  const logits = logitsOf(t2(batch.inputIds)!, {
    attentionMask: t2(batch.attentionMask),
    positionIds: t2(batch.positionIds),
    documentIds: t2(batch.documentIds),
  });
  return causalLmLoss(logits, batch.labels);
}

describe('packed batches through the model and the Trainer', () => {
  const blocks = [...packExamples(docs, { blockSize: 16, eosTokenId: EOS, dropRemainder: false })];
  const collate = causalLMCollator({ padTokenId: EOS });
  const batches = [collate(blocks.slice(0, 2)), collate(blocks.slice(2, 4))];

  it('a packed batch has the loss of its documents run one by one (token-weighted, within 1e-5)', () => {
    expect(batches[1]!.documentIds).toBeDefined();
    const [b, t] = batches[0]!.shape;
    let sum = 0;
    let count = 0;
    for (let r = 0; r < b; r++) {
      const row = (a: Int32Array) => Array.from(a.subarray(r * t, (r + 1) * t));
      const ids = row(batches[0]!.inputIds);
      const labels = row(batches[0]!.labels);
      const doc = row(batches[0]!.documentIds!);
      for (const d of new Set(doc.filter((x) => x >= 0))) {
        const idx = doc.flatMap((x, i) => (x === d ? [i] : []));
        const pieceLabels = idx.map((i) => labels[i]!);
        // causalLmLoss predicts labels[1..]; count those that are not -100.
        const n = pieceLabels.slice(1).filter((y) => y !== -100).length;
        if (n === 0) continue;
        const l = tf.tidy(
          () =>
            causalLmLoss(
              logitsOf(tf.tensor2d([idx.map((i) => ids[i]!)], undefined, 'int32'), {}),
              pieceLabels,
            ).dataSync()[0]!,
        );
        sum += l * n;
        count += n;
      }
    }
    const packed = tf.tidy(() => packedLoss(batches[0]!).dataSync()[0]!);
    expect(Math.abs(packed - sum / count)).toBeLessThan(1e-5);
    // Ignoring documentIds (attention across documents) gives another loss.
    const crossing = tf.tidy(() => {
      const { documentIds: _, ...rest } = batches[0]!;
      return packedLoss(rest as Batch).dataSync()[0]!;
    });
    expect(Math.abs(crossing - packed)).toBeGreaterThan(1e-4);
  });

  it('trains on packed batches (loss falls, tensor count flat)', async () => {
    const model: TrainableModel<Batch> = {
      namedParameters: () => gpt.namedParameters(),
      computeLoss: packedLoss,
    };
    const counts: number[] = [];
    const losses: number[] = [];
    const trainer = new Trainer({
      model,
      trainData: batches,
      args: { outputDir: tmp(), maxSteps: 8, learningRate: 3e-3, saveSteps: 100 },
      callbacks: {
        onStepEnd: (s) => {
          counts.push(tf.memory().numTensors);
          losses.push(s.loss);
        },
      },
      progress: false,
    });
    await trainer.train();
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(losses[7]!).toBeLessThan(losses[0]!);
    trainer.optimizer.dispose();
  });
});
