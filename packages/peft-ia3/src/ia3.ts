import type { Variable } from '@gptft/backend';
import { Conv1D, type GPT2Model } from '@gptft/gpt2-model';
import type { AttachedAdapter, AttachOptions, PeftMethod } from '@gptft/peft';
import {
  GPT2_IA3_FEEDFORWARD_MODULES,
  GPT2_IA3_TARGET_MODULES,
  type IA3Config,
  IA3ConfigSchema,
  isFeedforwardModule,
  matchesModuleList,
} from './ia3-config.js';
import { IA3Layer } from './ia3-layer.js';

/**
 * HF's module name for a backbone path: the saved key prefix without PEFT's `base_model.model.`
 * (`transformer.h.0.attn.c_attn` for a causal LM), which is what PEFT matches `target_modules` on.
 */
function hfModuleName(keyPrefix: string, path: string): string {
  return keyPrefix.replace(/^base_model\.model\./, '') + path;
}

/** PEFT's rule: adapters never go on a module listed in `modules_to_save` (or inside one). */
function inModulesToSave(config: IA3Config, key: string): boolean {
  return (config.modules_to_save ?? []).some(
    (m) => key === m || key.endsWith(`.${m}`) || key.includes(`.${m}.`),
  );
}

// #region attach
function attachIA3(model: GPT2Model, config: IA3Config, options: AttachOptions): AttachedAdapter {
  // PEFT's _prepare_adapter_config: GPT-2 defaults, written back into the (saved) config.
  config.target_modules ??= [...GPT2_IA3_TARGET_MODULES];
  config.feedforward_modules ??= [...GPT2_IA3_FEEDFORWARD_MODULES];
  // #region find-targets
  const targets = config.target_modules;
  const feedforward = config.feedforward_modules;
  const found: Array<[string, boolean]> = [];
  for (const [path, m] of model.namedModules()) {
    if (path === '') continue;
    const key = hfModuleName(options.keyPrefix, path);
    if (!matchesModuleList(targets, key)) continue;
    if (config.exclude_modules && matchesModuleList(config.exclude_modules, key)) continue;
    if (inModulesToSave(config, key)) continue;
    if (!(m instanceof Conv1D)) {
      throw new Error(
        `IA3: target module ${path} is a ${m.constructor.name}, not a Conv1D (it may already carry another adapter; IA³ wraps a layer only once)`,
      );
    }
    found.push([path, isFeedforwardModule(feedforward, key)]);
  }
  if (found.length === 0) {
    throw new Error(`IA3: target_modules ${JSON.stringify(targets)} matched no Conv1D layer of the model`);
  }
  // #endregion find-targets
  // PEFT sets fan_in_fan_out to true (with a warning) when it wraps a Conv1D.
  config.fan_in_fan_out = true;
  // #region wrap
  const layers: Array<[string, IA3Layer]> = found.map(([path, isFeedforward], i) => {
    const layer = new IA3Layer(model.getSubmodule<Conv1D>(path), {
      isFeedforward,
      init: config.init_ia3_weights,
      seed: options.seed === undefined ? undefined : options.seed + i,
    });
    layer.train(model.training);
    model.setSubmodule(path, layer);
    return [path, layer];
  });
  // #endregion wrap
  // #region adapter
  return {
    stateDict() {
      const out = layers.map(([path, l]): [string, Variable] => [
        `${options.keyPrefix}${path}.ia3_l`,
        l.ia3L,
      ]);
      return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
    merge() {
      for (const [, l] of layers) l.merge();
    },
    unmerge() {
      for (const [, l] of layers) l.unmerge();
    },
    get merged() {
      return layers.length > 0 && layers.every(([, l]) => l.merged);
    },
    setEnabled(enabled) {
      for (const [, l] of layers) l.enabled = enabled;
    },
    detach() {
      // A merged layer stays merged (mergeAndUnload = merge, then detach), as PEFT's unload.
      for (const [path, l] of layers) {
        model.setSubmodule(path, l.base);
        l.disposeIA3();
      }
      layers.length = 0;
    },
  };
  // #endregion adapter
}
// #endregion attach

// #region method
/**
 * IA³ (Liu et al. 2022) on GPT-2's Conv1D layers, HF PEFT's `peft_type: "IA3"`. Register it with
 * `registerPeftMethod(IA3)` — importing `@gptft/peft-ia3` does that — and `getPeftModel` /
 * `PeftModel.fromPretrained` accept IA³ configs and adapter folders.
 */
export const IA3: PeftMethod<IA3Config> = {
  peftType: 'IA3',
  configSchema: IA3ConfigSchema,
  attach: attachIA3,
};
// #endregion method
