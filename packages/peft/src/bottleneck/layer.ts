/**
 * Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2020) on GPT-2, laid out as the
 * AdapterHub `adapters` library lays them out: each block gets `attention_adapters` (after the
 * self-attention sub-layer, AdapterHub's `mh_adapter`) and `output_adapters` (after the MLP,
 * `output_adapter`), each holding named adapters `adapters.<name>.adapter_down.0` (Linear, then the
 * non-linearity) and `adapters.<name>.adapter_up` (Linear), in PyTorch's [out, in] layout.
 *
 * Where: GPT-2's block is `h = x + attn(ln_1(x)); y = h + mlp(ln_2(h))`. The adapter acts on the
 * sub-layer output *before* the residual add, as AdapterHub's `GPT2BlockWithAdapters` does:
 * `attn'(…) = a + A(a)` (Houlsby), or `A(a + x)` as input with `original_ln_before` (Pfeiffer).
 * Neither `attn` nor `mlp` sees the residual `x`, so the tuner replaces each block `h.N` by an
 * {@link AdapterBlock} that adopts the block's own `ln_1`/`attn`/`ln_2`/`mlp` modules (same
 * objects, same parameter names) and adds the adapter modules next to them.
 */
import { type Tensor, tf, type Variable } from '@gptft/backend';
import {
  activation,
  type AttentionOptions,
  type BlockOutput,
  type GPT2Attention,
  type GPT2Block,
} from '@gptft/gpt2-model';
import { init, type Layer, Linear, Module, ModuleDict, type SeedStream } from '@gptft/nn';
import { BaseTunerLayer } from '../tuners/tuner-layer.js';
import type { BottleneckConfig } from './config.js';

/** `nn.Sequential(Linear, activation)`: the Linear is child `0`, as in AdapterHub's `adapter_down`. */
class DownProjection extends Module {
  constructor(linear: Linear) {
    super();
    this.addModule('0', linear);
  }
  get linear(): Linear {
    return this.child<Linear>('0');
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
  /** Init seeds (a number starts its own stream). */
  seed?: number | SeedStream | undefined;
  /** Dropout seeds (the model's stream). */
  seeds?: SeedStream | undefined;
}

function activationOf(name: BottleneckConfig['non_linearity']): (x: Tensor) => Tensor {
  if (name === 'leakyrelu') return (x) => tf.leakyRelu(x, 0.01);
  return activation(name);
}

function drawSeed(seed: BottleneckAdapterOptions['seed'], k: number): number | undefined {
  if (seed === undefined) return undefined;
  return typeof seed === 'number' ? seed + k : seed.next();
}

/**
 * One bottleneck adapter: `f + dropout(scaling · up(act(down(in))))` with `in = f` (Houlsby) or
 * `f + residual` (Pfeiffer), `f` the sub-layer output (AdapterHub's `Adapter` with
 * `residual_before_ln`, no adapter LayerNorms).
 */
export class BottleneckAdapter extends Module {
  private readonly act: (x: Tensor) => Tensor;

  constructor(readonly options: BottleneckAdapterOptions) {
    super();
    const { hidden: c, bottleneck: d, seed } = options;
    this.act = activationOf(options.nonLinearity);
    let down: Tensor;
    let up: Tensor;
    if (options.init === 'mam_adapter') {
      down = init.kaimingUniform([d, c], drawSeed(seed, 0));
      up = init.zeros([c, d]);
    } else if (options.init === 'bert') {
      down = init.normal([d, c], 0.02, drawSeed(seed, 0));
      up = init.normal([c, d], 0.02, drawSeed(seed, 1));
    } else {
      // trunc_normal_(std=1e-2, a=−2e-2, b=2e-2): tf truncates at two standard deviations
      down = init.truncatedNormal([d, c], 0.01, drawSeed(seed, 0));
      up = init.truncatedNormal([c, d], 0.01, drawSeed(seed, 1));
    }
    this.addModule('adapter_down', new DownProjection(new Linear(down, init.zeros([d]))));
    this.addModule('adapter_up', new Linear(up, init.zeros([c])));
  }

  get down(): Linear {
    return this.child<DownProjection>('adapter_down').linear;
  }
  get up(): Linear {
    return this.child<Linear>('adapter_up');
  }

  /** `f` [.., C] is the sub-layer output, `residual` [.., C] the block input it is added to. */
  forward(f: Tensor, residual: Tensor): Tensor {
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
  constructor() {
    super();
    this.addModule('adapters', new ModuleDict<BottleneckAdapter>());
  }
  get adapters(): ModuleDict<BottleneckAdapter> {
    return this.child<ModuleDict<BottleneckAdapter>>('adapters');
  }
  /** Applies the adapters named in `active`, in the order they were added. */
  forward(f: Tensor, residual: Tensor, active: readonly string[]): Tensor {
    let y = f;
    for (const [name, a] of this.adapters.entries()) if (active.includes(name)) y = a.forward(y, residual);
    return y;
  }
}

const SUBLAYERS = ['ln_1', 'attn', 'ln_2', 'mlp'] as const;
/** The two places of a block adapters go. */
export type AdapterPlace = 'attention_adapters' | 'output_adapters';

/**
 * A GPT-2 block with bottleneck adapters (AdapterHub's `GPT2BlockWithAdapters`) — the tuner layer
 * of bottleneck adapters: the original block's sub-layers (adopted, so parameter names stay
 * `h.N.attn.c_attn.weight`, …) plus `attention_adapters` / `output_adapters`. Computes
 * `h = x + mh(attn(ln_1(x)), x)`, `y = h + out(mlp(ln_2(h)), h)`.
 */
export class AdapterBlock extends BaseTunerLayer {
  readonly adapterLayerNames = ['attention_adapters.adapters', 'output_adapters.adapters'] as const;
  /** Each adapter's name inside its saved keys (AdapterHub's adapter name; config `name`). */
  private readonly keyNames = new Map<string, string>();

  constructor(
    /** The block this one replaced (restored when the last adapter is removed). */
    readonly original: GPT2Block,
  ) {
    super();
    for (const name of SUBLAYERS) this.addModule(name, original.getSubmodule(name));
    this.addModule('attention_adapters', new BottleneckLayer());
    this.addModule('output_adapters', new BottleneckLayer());
  }

  /** Adds adapter `name` at the given places (saved as `…adapters.<keyName>.…`). */
  addAdapter(
    name: string,
    keyName: string,
    adapters: Partial<Record<AdapterPlace, BottleneckAdapter>>,
  ): void {
    for (const place of ['attention_adapters', 'output_adapters'] as const) {
      const a = adapters[place];
      if (a) this.child<BottleneckLayer>(place).adapters.set(name, a);
    }
    this.keyNames.set(name, keyName);
  }

  /** The adapter `name` at `place`, if any. */
  adapter(place: AdapterPlace, name: string): BottleneckAdapter | undefined {
    return this.child<BottleneckLayer>(place).adapters.get(name);
  }

  override adapterStateDict(name: string): Array<[string, Variable]> {
    const key = this.keyNames.get(name) ?? name;
    const out: Array<[string, Variable]> = [];
    for (const place of ['attention_adapters', 'output_adapters'] as const) {
      const a = this.adapter(place, name);
      if (a) for (const [p, v] of a.namedParameters()) out.push([`${place}.adapters.${key}.${p}`, v]);
    }
    return out;
  }

  forward(x: Tensor, options: AttentionOptions = {}): BlockOutput {
    // tf.tidy keeps tensors nested in the returned object (`present.key` / `.value`) too.
    return tf.tidy((): never => {
      const active = this.activeAdapters;
      const a = this.child<GPT2Attention>('attn').forward(this.child<Layer>('ln_1').forward(x), options);
      const attnOut = this.child<BottleneckLayer>('attention_adapters').forward(a.output, x, active);
      const h = tf.add(x, attnOut);
      const m = this.child<Layer>('mlp').forward(this.child<Layer>('ln_2').forward(h));
      const mlpOut = this.child<BottleneckLayer>('output_adapters').forward(m, h, active);
      const hidden = tf.add(h, mlpOut);
      return (a.present ? { hidden, present: a.present } : { hidden }) as never;
    }) as BlockOutput;
  }

  /** The original block with this block's current sub-layers put back. */
  unwrap(): GPT2Block {
    for (const name of SUBLAYERS) this.original.setSubmodule(name, this.getSubmodule(name));
    return this.original;
  }

  /** @deprecated the name of {@link unwrap} before the PEFT base. */
  restore(): GPT2Block {
    return this.unwrap();
  }

  protected mergeOne(): void {
    throw new Error(BOTTLENECK_MERGE_ERROR);
  }
  protected unmergeOne(): void {
    throw new Error(BOTTLENECK_MERGE_ERROR);
  }
  protected override onAdapterDeleted(name: string): void {
    this.keyNames.delete(name);
  }
}

/** Why bottleneck adapters have no merge. */
export const BOTTLENECK_MERGE_ERROR =
  'BOTTLENECK adapters cannot be merged into the base weights: up(act(down(x))) is non-linear. ' +
  'Keep the PeftModel, or remove the adapters with unload()';
