/**
 * HF PEFT's `LoraModel.add_weighted_adapter` (`tuners/lora/model.py`): a new LoRA adapter made
 * from existing ones with weights — `linear` (same ranks: A = Σ √|wᵢsᵢ|·sign·Aᵢ, B = Σ √|wᵢsᵢ|·Bᵢ),
 * `cat` (ranks add up: A = [wᵢsᵢ·Aᵢ], B = [Bᵢ]) or `svd` (the rank-r truncated SVD of
 * Σ wᵢsᵢ·ΔWᵢ, where ΔWᵢ already includes sᵢ — PEFT's arithmetic, kept). sᵢ is adapter i's scaling.
 */
import { type Tensor, tf } from '@gptft/backend';
import type { Module } from '@gptft/nn';
import type { BasePeftConfig } from '../method.js';
import type { LoraConfig } from './config.js';
import { LoraLayer } from './layer.js';
import { lowRankSvd, type Mat, mat } from './svd.js';

/** How {@link weightedAdapterConfig} combines adapters (HF's `combination_type`). */
export type CombinationType = 'svd' | 'linear' | 'cat';

/** Options of `PeftModel.addWeightedAdapter`. */
export interface WeightedAdapterOptions {
  /** Default `svd`, as HF PEFT. A single adapter is always combined `linear`. */
  combinationType?: CombinationType;
  /** Rank of an `svd` combination (default: the largest rank of the adapters). */
  svdRank?: number;
  /** Quantile in (0, 1] at which `svd` factors are clamped (HF's `svd_clamp`). */
  svdClamp?: number;
}

/** One source adapter and its weight. */
export interface WeightedSource {
  name: string;
  weight: number;
}

function maxRank(c: LoraConfig): number {
  return Math.max(c.r, ...Object.values(c.rank_pattern ?? {}));
}

function combinationOf(n: number, options: WeightedAdapterOptions): CombinationType {
  return n === 1 ? 'linear' : (options.combinationType ?? 'svd');
}

/** HF's `_check_add_weighted_adapter` + the new config (`r` = `lora_alpha` = the new rank). */
export function weightedAdapterConfig(
  configs: readonly BasePeftConfig[],
  options: WeightedAdapterOptions = {},
): BasePeftConfig {
  const cs = configs as readonly LoraConfig[];
  const type = combinationOf(cs.length, options);
  const ranks = cs.map(maxRank);
  let rank: number;
  if (type === 'linear') {
    if (new Set(ranks).size !== 1) {
      throw new Error(
        'addWeightedAdapter: all adapters must have the same r value when using combination_type linear',
      );
    }
    rank = ranks[0]!;
  } else if (type === 'cat') rank = ranks.reduce((a, b) => a + b, 0);
  else if (type === 'svd') rank = options.svdRank ?? Math.max(...ranks);
  else throw new Error(`addWeightedAdapter: invalid combination_type "${type as string}" (svd, linear, cat)`);
  const targets = cs.map((c) => c.target_modules ?? ['c_attn']);
  if (new Set(targets.map((t) => typeof t)).size > 1) {
    throw new Error(
      'addWeightedAdapter: all adapter configs should follow the same target modules type (a list, or a regex string)',
    );
  }
  const target_modules =
    typeof targets[0] === 'string'
      ? targets.map((t) => `(${t as string})`).join('|')
      : [...new Set(targets.flatMap((t) => t as string[]))];
  return { ...cs[0]!, r: rank, lora_alpha: rank, target_modules, alpha_pattern: {}, rank_pattern: {} };
}

function host(t: Tensor): Mat {
  return mat(t.shape[0]!, t.shape[1]!, t.dataSync());
}

function tensorOf(m: Mat): Tensor {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
}

/** torch.quantile (linear interpolation) of `values` at q. */
function quantile(values: Float64Array, q: number): number {
  const s = Float64Array.from(values).sort();
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Writes the weights of the new adapter `name` on every LoRA layer of `root` that holds it. */
export function fillWeightedAdapter(
  root: Module,
  name: string,
  sources: readonly WeightedSource[],
  options: WeightedAdapterOptions = {},
): void {
  const type = combinationOf(sources.length, options);
  for (const [, layer] of root.namedModules()) {
    if (!(layer instanceof LoraLayer) || !layer.hasAdapter(name)) continue;
    const present = sources.filter((s) => layer.hasAdapter(s.name));
    if (present.length === 0)
      throw new Error('addWeightedAdapter: no matching LoRA found on a layer of the new adapter');
    const targetA = layer.loraAOf(name);
    const targetB = layer.loraBOf(name);
    const [r, nIn] = targetA.shape as [number, number];
    const nOut = targetB.shape[0]!;
    const [a, b] = tf.tidy(() => {
      if (type === 'cat') {
        const as = present.map((s) => tf.mul(layer.loraAOf(s.name), s.weight * layer.scalingOf(s.name)));
        const bs = present.map((s) => layer.loraBOf(s.name) as Tensor);
        const got = as.reduce((n, t) => n + t.shape[0]!, 0);
        if (got < r) {
          as.push(tf.zeros([r - got, nIn]));
          bs.push(tf.zeros([nOut, r - got]));
        }
        return [tf.concat(as, 0), tf.concat(bs, 1)];
      }
      if (type === 'linear') {
        let sa: Tensor = tf.zerosLike(targetA);
        let sb: Tensor = tf.zerosLike(targetB);
        for (const s of present) {
          const ws = s.weight * layer.scalingOf(s.name);
          const m = Math.sqrt(Math.abs(ws));
          sa = tf.add(sa, tf.mul(layer.loraAOf(s.name), ws >= 0 ? m : -m));
          sb = tf.add(sb, tf.mul(layer.loraBOf(s.name), m));
        }
        return [sa, sb];
      }
      // svd: Σ cᵢ·Bᵢ·Aᵢ with cᵢ = wᵢ·sᵢ·sᵢ ([out, in] layout), as P·Q with P = [cᵢ·Bᵢ], Q = [Aᵢ]
      const p = host(
        tf.concat(
          present.map((s) => tf.mul(layer.loraBOf(s.name), s.weight * layer.scalingOf(s.name) ** 2)),
          1,
        ),
      );
      const q = host(
        tf.concat(
          present.map((s) => layer.loraAOf(s.name) as Tensor),
          0,
        ),
      );
      const { us, vh } = lowRankSvd(p, q, r);
      if (options.svdClamp !== undefined) {
        const all = Float64Array.from([...us.data, ...vh.data]);
        const hi = quantile(all, options.svdClamp);
        for (const m of [us, vh])
          for (let i = 0; i < m.data.length; i++) m.data[i] = Math.min(hi, Math.max(-hi, m.data[i]!));
      }
      return [tensorOf(vh), tensorOf(us)];
    });
    targetA.assign(a);
    targetB.assign(b);
    tf.dispose([a, b]);
  }
}
