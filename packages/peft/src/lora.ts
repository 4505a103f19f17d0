import type { Variable } from '@gptft/backend';
import { Conv1D, type GPT2Model } from '@gptft/gpt2-model';
import { isLoraTarget, type LoraConfig, LoraConfigSchema, loraScaling } from './lora-config.js';
import { LoraLayer } from './lora-layer.js';
import type { AttachedAdapter, AttachOptions, PeftMethod } from './method.js';

function attachLora(model: GPT2Model, config: LoraConfig, options: AttachOptions): AttachedAdapter {
  const targets = model
    .namedModules()
    .filter(([path, m]) => path !== '' && m instanceof Conv1D && isLoraTarget(path, config))
    .map(([path]) => path);
  if (targets.length === 0) {
    throw new Error(
      `LoRA: target_modules ${JSON.stringify(config.target_modules ?? ['c_attn'])} matched no Conv1D layer of the model`,
    );
  }
  const scaling = loraScaling(config);
  const layers: Array<[string, LoraLayer]> = [];
  targets.forEach((path, i) => {
    const base = model.getSubmodule<Conv1D>(path);
    const layer = new LoraLayer(base, {
      r: config.r,
      scaling,
      dropout: config.lora_dropout,
      init: config.init_lora_weights,
      seed: options.seed === undefined ? undefined : options.seed + 2 * i,
      seeds: model.seeds,
    });
    layer.train(model.training);
    model.setSubmodule(path, layer);
    layers.push([path, layer]);
  });
  // Trainable biases (PEFT's `bias`): 'all' = every bias of the model, 'lora_only' = the wrapped layers'.
  const biases: Array<[string, Variable]> = [];
  if (config.bias === 'all') {
    for (const [name, p] of model.namedParameters()) if (name.endsWith('.bias')) biases.push([name, p]);
  } else if (config.bias === 'lora_only') {
    for (const [path, l] of layers) biases.push([`${path}.base_layer.bias`, l.base.bias]);
  }
  for (const [, p] of biases) p.trainable = true;
  const saveName = (name: string) => options.keyPrefix + name.replace('.base_layer.', '.');
  return {
    stateDict() {
      const out: Array<[string, Variable]> = [];
      for (const [path, l] of layers) {
        out.push([`${options.keyPrefix}${path}.lora_A.weight`, l.loraA]);
        out.push([`${options.keyPrefix}${path}.lora_B.weight`, l.loraB]);
      }
      for (const [name, p] of biases) out.push([saveName(name), p]);
      return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
    merge() {
      for (const [, l] of layers) l.merge();
    },
    unmerge() {
      for (const [, l] of layers) l.unmerge();
    },
    get merged() {
      return layers.every(([, l]) => l.merged);
    },
    setEnabled(enabled) {
      for (const [, l] of layers) l.enabled = enabled;
    },
    detach() {
      for (const [path, l] of layers) {
        model.setSubmodule(path, l.base);
        l.disposeLora();
      }
      layers.length = 0;
    },
  };
}

/** LoRA (Hu et al. 2021) on GPT-2's Conv1D layers, PEFT's `peft_type: "LORA"`. */
export const LORA: PeftMethod<LoraConfig> = {
  peftType: 'LORA',
  configSchema: LoraConfigSchema,
  attach: attachLora,
};
