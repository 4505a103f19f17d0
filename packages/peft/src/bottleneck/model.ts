import { GPT2Block } from '@gptft/gpt2-model';
import type { Module } from '@gptft/nn';
import { BaseTuner, type Target, type TunerContext } from '../tuners/base-tuner.js';
import {
  type BottleneckConfig,
  BottleneckConfigSchema,
  bottleneckSize,
  reductionFactorFor,
} from './config.js';
import { AdapterBlock, BOTTLENECK_MERGE_ERROR, BottleneckAdapter } from './layer.js';

/**
 * Bottleneck adapters as a tuner: the targets are the blocks `h.N` (all but `leave_out`), each
 * replaced by an {@link AdapterBlock} that holds the adapters of every adapter name.
 */
export class BottleneckTuner extends BaseTuner<BottleneckConfig, AdapterBlock> {
  readonly peftType = 'BOTTLENECK';
  readonly configSchema = BottleneckConfigSchema;
  protected readonly layerClass = AdapterBlock;
  protected override readonly mergeError = BOTTLENECK_MERGE_ERROR;

  protected override prepareConfig({ config, backbone, adapterName }: TunerContext<BottleneckConfig>): void {
    if (!config.mh_adapter && !config.output_adapter) {
      throw new Error('BOTTLENECK: mh_adapter and output_adapter are both false: no adapter to add');
    }
    const { nLayer, nEmbd } = backbone.config;
    for (const l of config.leave_out) {
      if (l >= nLayer)
        throw new Error(`BOTTLENECK: leave_out: layer ${l} does not exist (model has ${nLayer})`);
    }
    // Sizes first, so a bad reduction_factor leaves the model untouched.
    for (let i = 0; i < nLayer; i++) {
      if (!config.leave_out.includes(i)) bottleneckSize(nEmbd, reductionFactorFor(config, i));
    }
    config.name ??= adapterName;
  }

  protected override findTargets({ config, backbone }: TunerContext<BottleneckConfig>): Target[] {
    const targets: Target[] = [];
    for (let i = 0; i < backbone.config.nLayer; i++) {
      if (!config.leave_out.includes(i))
        targets.push({ path: `h.${i}`, module: backbone.getSubmodule(`h.${i}`) });
    }
    return targets;
  }

  protected override canWrap(module: Module): boolean {
    return module instanceof GPT2Block;
  }

  protected createAndReplace(
    { path, module }: Target,
    existing: AdapterBlock | undefined,
    ctx: TunerContext<BottleneckConfig>,
  ): AdapterBlock {
    const { config, backbone } = ctx;
    const layer = Number(path.slice('h.'.length));
    const make = () =>
      new BottleneckAdapter({
        hidden: backbone.config.nEmbd,
        bottleneck: bottleneckSize(backbone.config.nEmbd, reductionFactorFor(config, layer)),
        nonLinearity: config.non_linearity,
        init: config.init_weights,
        inputWithResidual: config.original_ln_before,
        scaling: config.scaling,
        dropout: config.dropout,
        seed: ctx.seeds,
        seeds: backbone.seeds,
      });
    const block = existing ?? new AdapterBlock(module as GPT2Block);
    block.addAdapter(ctx.adapterName, config.name ?? ctx.adapterName, {
      ...(config.mh_adapter && { attention_adapters: make() }),
      ...(config.output_adapter && { output_adapters: make() }),
    });
    block.train(backbone.training);
    return block;
  }
}

/** Bottleneck adapters, `peft_type: "BOTTLENECK"` (AdapterHub's `BnConfig` fields and weight names). */
export const BOTTLENECK = new BottleneckTuner();
