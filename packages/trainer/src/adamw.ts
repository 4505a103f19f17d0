import { tf } from '@gptft/backend';

/** Options of {@link AdamW} (torch.optim.AdamW's arguments). */
export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Which parameters get weight decay; default {@link defaultDecayFilter}. */
  decayFilter?: (name: string, v: tf.Variable) => boolean;
}

/**
 * HF's rule (no decay for biases and LayerNorm weights), expressed on shapes: decay parameters
 * with rank >= 2 whose name does not end in `bias`. For GPT-2 this is wte, wpe and the weight matrices.
 */
export function defaultDecayFilter(name: string, v: tf.Variable): boolean {
  return v.rank >= 2 && !name.endsWith('bias') && !/(^|\.)ln_?[^.]*\.weight$/.test(name);
}

/** One parameter's optimizer state. */
interface Slot {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * AdamW exactly as torch.optim.AdamW (amsgrad off): decoupled decay `p -= lr*wd*p`, then
 * `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g²`, `p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)`.
 */
export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Number of steps taken (torch's `state['step']`). */
  stepCount = 0;
  private readonly slots = new Map<string, Slot>();
  private readonly decayFilter: (name: string, v: tf.Variable) => boolean;

  constructor(
    readonly params: [string, tf.Variable][],
    opts: AdamWOptions = {},
  ) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 1e-2;
    this.decayFilter = opts.decayFilter ?? defaultDecayFilter;
  }

  /** Names of the parameters that get weight decay. */
  decayedParameterNames(): string[] {
    return this.params.filter(([n, v]) => this.decayFilter(n, v)).map(([n]) => n);
  }

  /** Applies one update with `grads` (by parameter name; parameters without a gradient are skipped). */
  step(grads: Record<string, tf.Tensor>): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const bc1 = 1 - this.beta1 ** t;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    const stepSize = this.lr / bc1;
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (!g) continue;
      let slot = this.slots.get(name);
      if (!slot) {
        slot = { m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) };
        this.slots.set(name, slot);
      }
      const s = slot;
      const decay = this.weightDecay > 0 && this.decayFilter(name, p);
      tf.tidy(() => {
        const p0 = decay ? tf.mul(p, 1 - this.lr * this.weightDecay) : p;
        const m = tf.add(tf.mul(s.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(s.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        s.m.assign(m);
        s.v.assign(v);
        p.assign(tf.sub(p0, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  /** Optimizer state as named tensors (`name.exp_avg`, `name.exp_avg_sq`), for checkpoints. */
  stateTensors(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, s] of this.slots) {
      out[`${name}.exp_avg`] = s.m;
      out[`${name}.exp_avg_sq`] = s.v;
    }
    return out;
  }

  /** Restores state written by {@link stateTensors} (copies the data). */
  loadState(stepCount: number, tensors: Record<string, tf.Tensor>): void {
    this.stepCount = stepCount;
    for (const [name, p] of this.params) {
      const m = tensors[`${name}.exp_avg`];
      const v = tensors[`${name}.exp_avg_sq`];
      if (!m || !v) continue;
      if (m.shape.join() !== p.shape.join()) {
        throw new Error(`optimizer state ${name}.exp_avg: shape [${m.shape}] != parameter [${p.shape}]`);
      }
      const old = this.slots.get(name);
      old?.m.dispose();
      old?.v.dispose();
      this.slots.set(name, { m: tf.variable(m, false), v: tf.variable(v, false) });
    }
  }

  /** Frees the moment tensors. */
  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}
