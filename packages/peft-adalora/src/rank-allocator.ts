import { type Tensor, tf, type Variable } from '@gptft/backend';
import { tidy } from '@gptft/nn';
import type { AdaLoraConfig } from './adalora-config.js';
import type { SVDLinear } from './svd-linear.js';

/** Rank patterns: which singular values of each matrix are kept, by PEFT's parameter name. */
export type RankPattern = Record<string, boolean[]>;

/** One adapted matrix: its HF module name and layer. */
export interface AllocatedLayer {
  module: string;
  layer: SVDLinear;
}

interface Ema {
  ipt: Tensor;
  unc: Tensor;
}

// #region allocator
/**
 * HF PEFT's AdaLoRA `RankAllocator` for one adapter: importance of every entry of A, E and B as
 * |p · ∂L/∂p| smoothed by EMAs (`beta1`: sensitivity; `beta2`: uncertainty |ipt − sensitivity|),
 * the score of singular value i of a matrix = mean(A row i) + mean(B column i) + E_i (each entry
 * scored sensitivity · uncertainty), and a cubic budget from `init_r`·n to `target_r`·n ranks
 * between `tinit` and `total_step − tfinal`: the lowest-scoring singular values are set to 0.
 */
export class RankAllocator {
  private readonly ema = new Map<Variable, Ema>();
  readonly initBudget: number;
  readonly targetBudget: number;

  constructor(
    private readonly config: AdaLoraConfig,
    private readonly adapterName: string,
    private readonly layers: readonly AllocatedLayer[],
  ) {
    this.initBudget = layers.reduce((n, { layer }) => n + layer.rank(adapterName), 0);
    this.targetBudget = config.target_r * layers.length;
  }

  /** PEFT's parameter name of a layer's E (`transformer.h.0.attn.c_attn.lora_E.default`). */
  private eName(module: string): string {
    return `${module}.lora_E.${this.adapterName}`;
  }

  /** PEFT's `budget_schedule`: the rank budget at `step` and whether to mask now. */
  budgetSchedule(step: number): { budget: number; mask: boolean } {
    const { tinit, tfinal } = this.config;
    const total = this.config.total_step!;
    if (step <= tinit) return { budget: this.initBudget, mask: false };
    if (step > total - tfinal) return { budget: this.targetBudget, mask: true };
    const mul = 1 - (step - tinit) / (total - tfinal - tinit);
    const budget = Math.trunc((this.initBudget - this.targetBudget) * mul ** 3 + this.targetBudget);
    return { budget, mask: step % this.config.deltaT === 0 };
  }

  /** PEFT's `update_ipt`: the EMAs of sensitivity and uncertainty from this step's gradients. */
  updateImportance(grads: ReadonlyMap<Variable, Tensor>): void {
    const { beta1, beta2 } = this.config;
    for (const { layer } of this.layers) {
      const { a, e, b } = layer.weights(this.adapterName);
      for (const p of [a, b, e]) {
        const g = grads.get(p);
        if (!g) continue;
        const prev = this.ema.get(p);
        const next = tidy((): Ema => {
          const ipt = tf.abs(tf.mul(p, g));
          const avg = prev ? tf.add(tf.mul(prev.ipt, beta1), tf.mul(ipt, 1 - beta1)) : tf.mul(ipt, 1 - beta1);
          const dev = tf.abs(tf.sub(ipt, avg));
          const unc = prev ? tf.add(tf.mul(prev.unc, beta2), tf.mul(dev, 1 - beta2)) : tf.mul(dev, 1 - beta2);
          return { ipt: avg, unc };
        });
        if (prev) tf.dispose([prev.ipt, prev.unc]);
        this.ema.set(p, next);
      }
    }
  }

  /** Sensitivity · uncertainty of every entry of `p` (zeros before any update). */
  private score(p: Variable): Tensor {
    const s = this.ema.get(p);
    return s ? tf.mul(s.ipt, s.unc) : tf.zerosLike(p);
  }

  /** PEFT's `mask_to_budget`: zero the singular values below the budget; the pattern kept. */
  maskToBudget(budget: number): RankPattern {
    const scores = this.layers.map(({ layer }) =>
      tf.tidy(() => {
        const { a, e, b } = layer.weights(this.adapterName);
        const sa = tf.mean(this.score(a), 1); //  [r]: mean over a row of A
        const sb = tf.mean(this.score(b), 0); //  [r]: mean over a column of B
        return tf.add(tf.reshape(this.score(e), [-1]), tf.add(sa, sb)).dataSync() as Float32Array;
      }),
    );
    const all = Float32Array.from(scores.flatMap((s) => Array.from(s))).sort();
    const k = this.initBudget - budget; // torch.kthvalue(…, k): the k-th smallest
    const threshold = k >= 1 ? all[k - 1]! : Number.NEGATIVE_INFINITY;
    const pattern: RankPattern = {};
    this.layers.forEach(({ module, layer }, i) => {
      const keep = Array.from(scores[i]!, (s) => !(s <= threshold));
      pattern[this.eName(module)] = keep;
      this.applyMask(layer, keep);
    });
    return pattern;
  }

  /** PEFT's `mask_using_rank_pattern` (pattern keys with or without the adapter name). */
  maskWithPattern(pattern: RankPattern): void {
    for (const { module, layer } of this.layers) {
      const keep = pattern[this.eName(module)] ?? pattern[`${module}.lora_E`];
      if (keep) this.applyMask(layer, keep);
    }
  }

  private applyMask(layer: SVDLinear, keep: readonly boolean[]): void {
    const { e } = layer.weights(this.adapterName);
    const next = tf.tidy(() =>
      tf.where(
        tf.tensor2d(
          keep.map((k) => [k ? 1 : 0]),
          [keep.length, 1],
          'bool',
        ),
        e,
        tf.zerosLike(e),
      ),
    );
    e.assign(next);
    next.dispose();
  }

  /** Forgets the EMAs (PEFT's `reset_ipt`). */
  reset(): void {
    for (const s of this.ema.values()) tf.dispose([s.ipt, s.unc]);
    this.ema.clear();
  }

  /**
   * HF PEFT's `AdaLoraModel.update_and_allocate(global_step)`, after the optimizer step of
   * `step` with its gradients: update the importance and mask to the budget while budgeting; at
   * `total_step − tfinal` mask to the final budget once; after it, keep the final pattern.
   * Returns the config's new `rank_pattern` when it changed.
   */
  updateAndAllocate(step: number, grads: ReadonlyMap<Variable, Tensor>): RankPattern | undefined {
    const end = this.config.total_step! - this.config.tfinal;
    if (step < end) {
      this.updateImportance(grads);
      const { budget, mask } = this.budgetSchedule(step);
      return mask ? this.maskToBudget(budget) : undefined;
    }
    if (step === end) {
      const pattern = this.maskToBudget(this.budgetSchedule(step).budget);
      this.reset();
      return pattern;
    }
    if (this.config.rank_pattern) this.maskWithPattern(this.config.rank_pattern);
    return undefined;
  }
}
// #endregion allocator
