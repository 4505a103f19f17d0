import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, GPT2Config } from '../src/index.js';
import { FIXTURES } from './helpers.js';

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8'));
}

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('GPT2Config', () => {
  it("reads the fixture's config.json and writes back every key it had", async () => {
    const raw = await json(`${FIXTURES}gpt2-tiny/config.json`);
    const c = await GPT2Config.fromFile(`${FIXTURES}gpt2-tiny/config.json`);
    expect([c.vocabSize, c.nPositions, c.nEmbd, c.nLayer, c.nHead]).toEqual([50257, 128, 64, 2, 4]);
    expect([c.nInner, c.innerDim, c.headDim, c.activationFunction]).toEqual([null, 256, 16, 'gelu_new']);
    expect([c.layerNormEpsilon, c.tieWordEmbeddings, c.eosTokenId, c.padTokenId]).toEqual([
      1e-5,
      true,
      50256,
      null,
    ]);
    expect(c.extra).toEqual({ n_ctx: 128 }); // not a GPT2Config attribute, kept for the round trip
    const out = c.toJSON();
    for (const [k, v] of Object.entries(raw)) expect(out[k], k).toEqual(v);
    // transformers always writes the GPT-2 specific attributes, keys sorted.
    for (const k of ['scale_attn_weights', 'summary_type', 'use_cache', 'reorder_and_upcast_attn']) {
      expect(out).toHaveProperty(k);
    }
    expect(Object.keys(out)).toEqual([...Object.keys(out)].sort());
    expect(c.toJSONString().endsWith('}\n')).toBe(true);
    expect(GPT2Config.fromJSON(out).toJSON()).toEqual(out);
  });

  it('keeps labels, pad token and unknown keys of a classification config', async () => {
    const c = await GPT2Config.fromFile(`${FIXTURES}seqcls/config.json`);
    expect(c.numLabels).toBe(3);
    expect(c.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    expect(c.label2id).toEqual({ negative: 0, neutral: 1, positive: 2 });
    expect(c.padTokenId).toBe(50256);
    const out = c.toJSON();
    expect(out.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    expect(out.architectures).toEqual(['GPT2ForSequenceClassification']);
    const withUnknown = GPT2Config.fromJSON({
      ...out,
      task_specific_params: { 'text-generation': { max_length: 50 } },
    });
    expect(withUnknown.toJSON().task_specific_params).toEqual({ 'text-generation': { max_length: 50 } });
  });

  it('derives labels from num_labels as PretrainedConfig does', () => {
    const c = GPT2Config.fromJSON({ num_labels: 4 });
    expect(c.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2', 3: 'LABEL_3' });
    expect(c.numLabels).toBe(4);
    expect(GPT2Config.fromJSON({}).numLabels).toBe(2);
    // The default two-label map is not written (transformers omits it too).
    expect(GPT2Config.fromJSON({ num_labels: 2 }).toJSON()).not.toHaveProperty('id2label');
  });

  it("accepts transformers' generic aliases and writes GPT-2's names", () => {
    const c = GPT2Config.fromJSON({
      hidden_size: 32,
      num_attention_heads: 4,
      num_hidden_layers: 3,
      max_position_embeddings: 64,
    });
    expect([c.nEmbd, c.nHead, c.nLayer, c.nPositions]).toEqual([32, 4, 3, 64]);
    expect([c.hiddenSize, c.numAttentionHeads, c.numHiddenLayers, c.maxPositionEmbeddings]).toEqual([
      32, 4, 3, 64,
    ]);
    const out = c.toJSON();
    expect(out.n_embd).toBe(32);
    expect(out).not.toHaveProperty('hidden_size');
    expect(error(() => GPT2Config.fromJSON({ hidden_size: 32, n_embd: 64 })).message).toBe(
      'hidden_size (32) contradicts n_embd (64)',
    );
  });

  it('defaults are GPT-2 small (transformers GPT2Config())', () => {
    const c = new GPT2Config();
    expect([c.vocabSize, c.nPositions, c.nEmbd, c.nLayer, c.nHead, c.innerDim]).toEqual([
      50257, 1024, 768, 12, 12, 3072,
    ]);
    expect([c.residPdrop, c.embdPdrop, c.attnPdrop, c.initializerRange]).toEqual([0.1, 0.1, 0.1, 0.02]);
    expect(c.with({ nLayer: 2 }).nLayer).toBe(2);
  });

  it.each([
    [{ n_embd: 64, n_head: 5 }, 'n_embd', 'n_embd (64) must be divisible by n_head (5)'],
    [{ n_layer: 0 }, 'n_layer', 'n_layer'],
    [{ n_head: 2.5 }, 'n_head', 'n_head'],
    [{ activation_function: 'gelu_magic' }, 'activation_function', 'activation_function'],
    [{ resid_pdrop: 1.5 }, 'resid_pdrop', 'resid_pdrop'],
    [{ layer_norm_epsilon: -1 }, 'layer_norm_epsilon', 'layer_norm_epsilon'],
    [{ vocab_size: '50257' }, 'vocab_size', 'vocab_size'],
    [{ model_type: 'llama' }, 'model_type', 'model_type'],
    [{ id2label: { zero: 'a' } }, 'id2label', 'id2label'],
    [{ problem_type: 'ranking' }, 'problem_type', 'problem_type'],
  ])('rejects %j naming the field', (bad, field, text) => {
    const e = error(() => GPT2Config.fromJSON(bad, 'some/config.json'));
    expect(e.field).toBe(field);
    expect(e.message).toContain(text);
    expect(e.message.startsWith('some/config.json: ')).toBe(true);
  });

  it('names the file for unreadable JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gptft-config-'));
    const path = join(dir, 'config.json');
    await writeFile(path, '{"n_embd": 64,');
    await expect(GPT2Config.fromFile(path)).rejects.toThrow(`${path}: not valid JSON`);
    await writeFile(path, '{"n_embd": 64, "n_head": 5}');
    await expect(GPT2Config.fromFile(path)).rejects.toThrow(
      `${path}: n_embd (64) must be divisible by n_head (5)`,
    );
  });

  it('validates the camelCase constructor the same way', () => {
    expect(error(() => new GPT2Config({ nEmbd: 64, nHead: 5 })).field).toBe('n_embd');
  });
});
