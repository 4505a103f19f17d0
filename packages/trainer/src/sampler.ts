/**
 * Samplers: the order in which an epoch visits a dataset's examples (PyTorch's `Sampler`), and a
 * data loader that cuts that order into collated batches (PyTorch's `DataLoader`, HF's
 * `dataloader_drop_last=False`). Batches are collated when the loop asks for them, so every epoch
 * draws new batches from the examples, as HF's Trainer does.
 */
import { SeededRandom } from '@gptft/backend';
import { z } from 'zod';

/** The order of the examples in each epoch. */
export interface Sampler {
  /** Number of examples. */
  readonly size: number;
  /** Example indices of epoch `epoch` (0-based): every index once. */
  indices(epoch: number): number[];
}

/** The examples in their order, every epoch (PyTorch's `SequentialSampler`). */
export class SequentialSampler implements Sampler {
  constructor(readonly size: number) {}
  indices(): number[] {
    return Array.from({ length: this.size }, (_, i) => i);
  }
}

/** What a checkpoint stores of a {@link RandomSampler} (`rng_state.json` → `sampler`). */
export const samplerStateSchema = z.object({
  /** The epoch whose order `rngState` draws. */
  epoch: z.number().int().nonnegative(),
  /** The generator's state (`SeededRandom.getState()`) at the start of that epoch. */
  rngState: z.array(z.number().int().min(0).max(0xffffffff)).length(4),
});
export type SamplerState = z.infer<typeof samplerStateSchema>;

/**
 * A new random order of all examples every epoch, reproducible from `seed` — HF Trainer's training
 * sampler (accelerate's `SeedableRandomSampler`: the generator is re-seeded with `seed + epoch` at
 * each epoch, then draws a permutation). The generator is `@gptft/backend`'s `SeededRandom`
 * (Fisher–Yates). Its state at the start of an epoch goes into every checkpoint
 * ({@link stateAt}); a sampler restored with {@link restore} replays that epoch's order exactly.
 */
export class RandomSampler implements Sampler {
  private restored: SamplerState | undefined;

  constructor(
    readonly size: number,
    readonly seed: number,
  ) {
    if (!Number.isSafeInteger(seed)) throw new Error(`RandomSampler: seed must be an integer, got ${seed}`);
  }

  private generator(epoch: number): SeededRandom {
    if (this.restored?.epoch === epoch) return SeededRandom.fromState(this.restored.rngState);
    return new SeededRandom(this.seed + epoch);
  }

  indices(epoch: number): number[] {
    return this.generator(epoch).permutation(this.size);
  }

  /** The generator state that draws epoch `epoch`'s order (for a checkpoint). */
  stateAt(epoch: number): SamplerState {
    return { epoch, rngState: this.generator(epoch).getState() };
  }

  /** Replays a checkpoint's epoch from its saved generator state (later epochs: `seed + epoch`). */
  restore(state: SamplerState): void {
    this.restored = { epoch: state.epoch, rngState: [...state.rngState] };
  }
}

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<E, B> {
  dataset: readonly E[];
  /** Examples per batch; the last batch of an epoch takes the rest (HF `dataloader_drop_last=False`). */
  batchSize: number;
  /** Turns a list of examples into one batch (a `@gptft/datasets` collator). */
  collate: (examples: readonly E[]) => B;
  sampler: Sampler;
}

/** Batches of a dataset, epoch by epoch, in the sampler's order (PyTorch's `DataLoader`). */
export class DataLoader<E, B> {
  private epoch = -1;
  private order: number[] = [];
  private current: Sampler;

  constructor(readonly options: DataLoaderOptions<E, B>) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.current = options.sampler;
    this.setSampler(options.sampler);
  }

  /** The sampler in use. */
  get sampler(): Sampler {
    return this.current;
  }

  /** Replaces the sampler (a resumed run's, restored from its checkpoint). */
  setSampler(sampler: Sampler): void {
    if (sampler.size !== this.options.dataset.length) {
      throw new Error(
        `DataLoader: the sampler has ${sampler.size} indices for ${this.options.dataset.length} examples`,
      );
    }
    this.current = sampler;
    this.epoch = -1;
  }

  /** Batches per epoch. */
  get length(): number {
    return Math.ceil(this.options.dataset.length / this.options.batchSize);
  }

  /** Indices (into the dataset) of the examples of batch `k` of epoch `epoch`. */
  batchIndices(epoch: number, k: number): number[] {
    if (epoch !== this.epoch) {
      this.order = this.current.indices(epoch);
      this.epoch = epoch;
    }
    const { batchSize } = this.options;
    return this.order.slice(k * batchSize, (k + 1) * batchSize);
  }

  /** Batch `k` of epoch `epoch`, collated. */
  batch(epoch: number, k: number): B {
    const { dataset, collate } = this.options;
    return collate(this.batchIndices(epoch, k).map((i) => dataset[i]!));
  }

  /** Every batch of an epoch, in order (evaluation). */
  *batches(epoch = 0): Generator<B> {
    for (let k = 0; k < this.length; k++) yield this.batch(epoch, k);
  }
}
