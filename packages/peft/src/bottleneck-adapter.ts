/**
 * Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2020) on GPT-2, laid out as the
 * AdapterHub `adapters` library lays them out: each block gets `attention_adapters` (after the
 * self-attention sub-layer, AdapterHub's `mh_adapter`) and/or `output_adapters` (after the MLP,
 * `output_adapter`), each holding named adapters `adapters.<name>.adapter_down.0` (Linear, then the
 * non-linearity) and `adapters.<name>.adapter_up` (Linear), in PyTorch's [out, in] layout.
 *
 * Where: GPT-2's block is `h = x + attn(ln_1(x)); y = h + mlp(ln_2(h))`. The adapter acts on the
 * sub-layer output *before* the residual add, as AdapterHub's `GPT2BlockWithAdapters` does:
 * `attn'(…) = a + A(a)` (Houlsby), or `A(a + x)` as input with `original_ln_before` (Pfeiffer).
 * Neither `attn` nor `mlp` sees the residual `x`, so the method replaces each block `h.N` (through
 * `setSubmodule`) by an {@link AdapterBlock} that adopts the block's own `ln_1`/`attn`/`ln_2`/`mlp`
 * modules (same objects, same parameter names) and adds the adapter modules next to them.
 */
import { matMul, type Tensor, tf, type Variable } from '@gptft/backend';
import {
  activation,
  type AttentionOptions,
  type BlockOutput,
  type GPT2Attention,
  GPT2Block,
  type GPT2Model,
  type Layer,
  Module,
  type SeedSequence,
} from '@gptft/gpt2-model';
import {
  type BottleneckConfig,
  BottleneckConfigSchema,
  bottleneckSize,
  reductionFactorFor,
} from './bottleneck-config.js';
import type { AttachedAdapter, AttachOptions, PeftMethod } from './method.js';

/** PyTorch's `nn.Linear` with bias: weight [out, in]. */
export class AdapterLinear extends Module {
  constructor(weight: Tensor, bias: Tensor) {
    super();
    this.addParameter('weight', weight);
    this.addParameter('bias', bias);
  }
  get weight(): Variable {
    return this.param('weight');
  }
  get bias(): Variable {
    return this.param('bias');
  }
  /** x [N, in] → [N, out]. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => tf.add(matMul(x, this.weight, false, true), this.bias));
  }
}

/** `nn.Sequential(Linear, activation)`: the Linear is child `0`, as in AdapterHub's `adapter_down`. */
class DownProjection extends Module {
  constructor(linear: AdapterLinear) {
    super();
    this.addModule('0', linear);
  }
  get linear(): AdapterLinear {
    return this.child<AdapterLinear>('0');
  }
}

/** A module holding named children (PyTorch's `nn.ModuleDict`); immutable once built. */
class ModuleDict<M extends Module> extends Module {
  constructor(entries: Array<[string, M]>) {
    super();
    for (const [name, m] of entries) this.addModule(name, m);
  }
}

/** Options of {@link BottleneckAdapter}. */
export interface BottleneckAdapterOptions {
  hidden: number;
  bottleneck: number;
  nonLinearity: BottleneckConfig['non_linearity'];
  init: BottleneckConfig['init_weights'];
  /** Add the block residual to the adapter's input (AdapterHub's `original_ln_before`, Pfeiffer). */
  inputWithResidual: boolean;
  scaling: number;
  dropout: number;
  seed?: number | undefined;
  seeds?: SeedSequence | undefined;
}

function activationOf(name: BottleneckConfig['non_linearity']): (x: Tensor) => Tensor {
  if (name === 'leakyrelu') return (x) => tf.leakyRelu(x, 0.01);
  return activation(name);
}

/**
 * One bottleneck adapter: `f + dropout(scaling · up(act(down(in))))` with `in = f` (Houlsby) or
 * `f + residual` (Pfeiffer), `f` the sub-layer output (AdapterHub's `Adapter` with
 * `residual_before_ln`, no adapter LayerNorms).
 */
export class BottleneckAdapter extends Module {
  /** When false the adapter passes its input through unchanged (`disableAdapter`, inactive adapters). */
  enabled = true;
  private readonly act: (x: Tensor) => Tensor;

  constructor(readonly options: BottleneckAdapterOptions) {
    super();
    const { hidden: c, bottleneck: d, init, seed } = options;
    this.act = activationOf(options.nonLinearity);
    const s = (k: number) => (seed === undefined ? undefined : seed + k);
    let down: Tensor;
    let up: Tensor;
    if (init === 'mam_adapter') {
      const bound = 1 / Math.sqrt(c); // kaiming_uniform_(a=√5) on [d, c]
      down = tf.randomUniform([d, c], -bound, bound, 'float32', s(0));
      up = tf.zeros([c, d]);
    } else if (init === 'bert') {
      down = tf.randomNormal([d, c], 0, 0.02, 'float32', s(0));
      up = tf.randomNormal([c, d], 0, 0.02, 'float32', s(1));
    } else {
      // trunc_normal_(std=1e-2, a=−2e-2, b=2e-2): tf truncates at two standard deviations
      down = tf.truncatedNormal([d, c], 0, 0.01, 'float32', s(0));
      up = tf.truncatedNormal([c, d], 0, 0.01, 'float32', s(1));
    }
    this.addModule('adapter_down', new DownProjection(new AdapterLinear(down, tf.zeros([d]))));
    this.addModule('adapter_up', new AdapterLinear(up, tf.zeros([c])));
  }

  get down(): AdapterLinear {
    return this.child<DownProjection>('adapter_down').linear;
  }
  get up(): AdapterLinear {
    return this.child<AdapterLinear>('adapter_up');
  }

  /** `f` [.., C] is the sub-layer output, `residual` [.., C] the block input it is added to. */
  forward(f: Tensor, residual: Tensor): Tensor {
    if (!this.enabled) return f;
    return tf.tidy(() => {
      const { hidden, inputWithResidual, scaling, dropout } = this.options;
      const input = inputWithResidual ? tf.add(f, residual) : f;
      const flat = tf.reshape(input, [-1, hidden]);
      let out = this.up.forward(this.act(this.down.forward(flat)));
      if (scaling !== 1) out = tf.mul(out, scaling);
      if (this.training && dropout > 0) out = tf.dropout(out, dropout, undefined, this.options.seeds?.next());
      return tf.add(f, tf.reshape(out, f.shape));
    });
  }
}

/** Named adapters at one place of a block (AdapterHub's `BottleneckLayer`): child `adapters.<name>`. */
export class BottleneckLayer extends Module {
  readonly entries: ReadonlyArray<[string, BottleneckAdapter]>;
  constructor(entries: Array<[string, BottleneckAdapter]>) {
    super();
    this.entries = entries;
    this.addModule('adapters', new ModuleDict(entries));
  }
  /** Applies the enabled adapters in order (one is enabled at a time under `PeftModel`). */
  forward(f: Tensor, residual: Tensor): Tensor {
    let y = f;
    for (const [, a] of this.entries) if (a.enabled) y = a.forward(y, residual);
    return y;
  }
}

const SUBLAYERS = ['ln_1', 'attn', 'ln_2', 'mlp'] as const;

/**
 * A GPT-2 block with bottleneck adapters (AdapterHub's `GPT2BlockWithAdapters`): the original
 * block's sub-layers (adopted, so parameter names stay `h.N.attn.c_attn.weight`, …) plus
 * `attention_adapters` / `output_adapters`. Computes
 * `h = x + mh(attn(ln_1(x)), x)`, `y = h + out(mlp(ln_2(h)), h)`.
 */
export class AdapterBlock extends Module {
  constructor(
    /** The block this one replaced (restored when the last adapter is removed). */
    readonly original: GPT2Block,
    from: Module,
    readonly mh: Array<[string, BottleneckAdapter]>,
    readonly out: Array<[string, BottleneckAdapter]>,
  ) {
    super();
    for (const name of SUBLAYERS) this.addModule(name, from.getSubmodule(name));
    if (mh.length > 0) this.addModule('attention_adapters', new BottleneckLayer(mh));
    if (out.length > 0) this.addModule('output_adapters', new BottleneckLayer(out));
  }

  forward(x: Tensor, options: AttentionOptions = {}): BlockOutput {
    // tf.tidy keeps tensors nested in the returned object (`present.key` / `.value`) too.
    return tf.tidy((): never => {
      const a = this.child<GPT2Attention>('attn').forward(this.child<Layer>('ln_1').forward(x), options);
      const attnOut =
        this.mh.length > 0
          ? this.child<BottleneckLayer>('attention_adapters').forward(a.output, x)
          : a.output;
      const h = tf.add(x, attnOut);
      const m = this.child<Layer>('mlp').forward(this.child<Layer>('ln_2').forward(h));
      const mlpOut = this.out.length > 0 ? this.child<BottleneckLayer>('output_adapters').forward(m, h) : m;
      const hidden = tf.add(h, mlpOut);
      return (a.present ? { hidden, present: a.present } : { hidden }) as never;
    }) as BlockOutput;
  }

  /** The original block with this block's current sub-layers put back. */
  restore(): GPT2Block {
    for (const name of SUBLAYERS) this.original.setSubmodule(name, this.getSubmodule(name));
    return this.original;
  }
}

/** Puts `mh`/`out` adapters on block `i` (creating or rebuilding its {@link AdapterBlock}). */
function rebuildBlock(
  model: GPT2Model,
  i: number,
  change: (mh: Array<[string, BottleneckAdapter]>, out: Array<[string, BottleneckAdapter]>) => void,
): void {
  const path = `h.${i}`;
  const current = model.getSubmodule(path);
  const existing = current instanceof AdapterBlock ? current : undefined;
  if (!existing && !(current instanceof GPT2Block)) {
    throw new Error(`BOTTLENECK: ${path} is a ${current.constructor.name}, not a GPT2Block`);
  }
  const mh = existing ? [...existing.mh] : [];
  const out = existing ? [...existing.out] : [];
  change(mh, out);
  const original = existing ? existing.original : (current as GPT2Block);
  if (mh.length === 0 && out.length === 0) {
    model.setSubmodule(path, existing ? existing.restore() : original);
    return;
  }
  model.setSubmodule(path, new AdapterBlock(original, current, mh, out));
}

function attachBottleneck(
  model: GPT2Model,
  config: BottleneckConfig,
  options: AttachOptions,
): AttachedAdapter {
  if (!config.mh_adapter && !config.output_adapter) {
    throw new Error('BOTTLENECK: mh_adapter and output_adapter are both false: no adapter to add');
  }
  const { nLayer, nEmbd } = model.config;
  for (const l of config.leave_out) {
    if (l >= nLayer)
      throw new Error(`BOTTLENECK: leave_out: layer ${l} does not exist (model has ${nLayer})`);
  }
  const moduleName = options.adapterName ?? config.name ?? 'default';
  config.name ??= moduleName;
  const keyName = config.name;
  const made: Array<{
    layer: number;
    place: 'attention_adapters' | 'output_adapters';
    adapter: BottleneckAdapter;
  }> = [];
  // Sizes first, so a bad reduction_factor leaves the model untouched.
  const sizes = Array.from({ length: nLayer }, (_, i) =>
    config.leave_out.includes(i) ? 0 : bottleneckSize(nEmbd, reductionFactorFor(config, i)),
  );
  let k = 0;
  for (let i = 0; i < nLayer; i++) {
    if (config.leave_out.includes(i)) continue;
    const d = sizes[i]!;
    const make = () =>
      new BottleneckAdapter({
        hidden: nEmbd,
        bottleneck: d,
        nonLinearity: config.non_linearity,
        init: config.init_weights,
        inputWithResidual: config.original_ln_before,
        scaling: config.scaling,
        dropout: config.dropout,
        seed: options.seed === undefined ? undefined : options.seed + 2 * k++,
        seeds: model.seeds,
      });
    const mhA = config.mh_adapter ? make() : undefined;
    const outA = config.output_adapter ? make() : undefined;
    for (const a of [mhA, outA]) a?.train(model.training);
    rebuildBlock(model, i, (mh, out) => {
      if ([...mh, ...out].some(([n]) => n === moduleName)) {
        throw new Error(`BOTTLENECK: block h.${i} already has an adapter named "${moduleName}"`);
      }
      if (mhA) mh.push([moduleName, mhA]);
      if (outA) out.push([moduleName, outA]);
    });
    if (mhA) made.push({ layer: i, place: 'attention_adapters', adapter: mhA });
    if (outA) made.push({ layer: i, place: 'output_adapters', adapter: outA });
  }
  const p = options.keyPrefix;
  const cannotMerge = () => {
    throw new Error(
      'BOTTLENECK adapters cannot be merged into the base weights: up(act(down(x))) is non-linear. ' +
        'Keep the PeftModel, or remove the adapters with unload()',
    );
  };
  return {
    stateDict() {
      const sd: Array<[string, Variable]> = [];
      for (const { layer, place, adapter } of made) {
        const base = `${p}h.${layer}.${place}.adapters.${keyName}`;
        sd.push([`${base}.adapter_down.0.weight`, adapter.down.weight]);
        sd.push([`${base}.adapter_down.0.bias`, adapter.down.bias]);
        sd.push([`${base}.adapter_up.weight`, adapter.up.weight]);
        sd.push([`${base}.adapter_up.bias`, adapter.up.bias]);
      }
      return sd.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
    merge: cannotMerge,
    unmerge: cannotMerge,
    merged: false,
    setEnabled(enabled) {
      for (const { adapter } of made) adapter.enabled = enabled;
    },
    detach() {
      const layers = [...new Set(made.map((m) => m.layer))];
      for (const i of layers) {
        rebuildBlock(model, i, (mh, out) => {
          for (const list of [mh, out]) {
            const at = list.findIndex(([n]) => n === moduleName);
            if (at >= 0) list.splice(at, 1);
          }
        });
      }
      for (const { adapter } of made) adapter.dispose();
      made.length = 0;
    },
  };
}

/** Bottleneck adapters, `peft_type: "BOTTLENECK"` (AdapterHub's `BnConfig` fields and weight names). */
export const BOTTLENECK: PeftMethod<BottleneckConfig> = {
  peftType: 'BOTTLENECK',
  configSchema: BottleneckConfigSchema,
  attach: attachBottleneck,
};
