import { HostFloatMemory, readInto, tensorFromCopy, tf } from '@gptft/backend';

/** Options of {@link AdamW} (torch.optim.AdamW's arguments). */
export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Which parameters get weight decay; default {@link defaultDecayFilter}. */
  decayFilter?: (name: string, v: tf.Variable) => boolean;
  /**
   * Where the moments live: `'device'` (default) as tensors of the backend; `'host'` in host
   * memory (WebAssembly memories of their own, `HostFloatMemory`), the update computed there by a
   * SIMD kernel (float32 rounding at every operation in torch's op order, like torch's CPU
   * kernels). `'host'` takes 2 × the parameters' bytes and the update's temporaries off the
   * backend — on wasm, whose heap is capped near 4 GiB, what lets a full fine-tuning step of
   * GPT-2 small fit.
   */
  stateLocation?: 'device' | 'host';
}

/** One optimizer-state array with its shape (checkpoints). */
export interface StateArray {
  shape: number[];
  data: Float32Array;
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

/** A host memory with scratch room for one parameter and its gradient (`capacity` floats each). */
interface HostPool {
  memory: HostFloatMemory;
  p: number;
  g: number;
  capacity: number;
}

/** One parameter's moments in host memory (byte offsets into `pool.memory`). */
interface HostSlot {
  pool: HostPool;
  m: number;
  v: number;
  shape: number[];
  size: number;
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
  private readonly hostSlots = new Map<string, HostSlot>();
  private hostPools: HostPool[] = [];
  readonly stateLocation: 'device' | 'host';
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
    this.stateLocation = opts.stateLocation ?? 'device';
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
    if (this.stateLocation === 'host') {
      this.hostStep(grads, stepSize, bc2Sqrt);
      return;
    }
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (!g) continue;
      let slot = this.slots.get(name);
      if (!slot) {
        // In a tidy, so the zeros tensors are released once the variables hold the data.
        slot = tf.tidy(() => ({
          m: tf.variable(tf.zerosLike(p), false),
          v: tf.variable(tf.zerosLike(p), false),
        }));
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

  /**
   * The host memory slot of parameter `name` (`size` floats), allocated on first use beside scratch
   * room for the parameter and its gradient (a new host memory when the last one is full).
   */
  private hostSlot(name: string, shape: number[], size: number, largest: number): HostSlot {
    let slot = this.hostSlots.get(name);
    if (slot) return slot;
    let pool = this.hostPools.find((q) => q.capacity >= size && q.memory.free >= 2 * size);
    if (!pool) {
      const memory = new HostFloatMemory();
      const capacity = Math.max(size, largest);
      pool = { memory, capacity, p: memory.allocate(capacity), g: memory.allocate(capacity) };
      this.hostPools.push(pool);
    }
    slot = { pool, m: pool.memory.allocate(size), v: pool.memory.allocate(size), shape, size };
    this.hostSlots.set(name, slot);
    return slot;
  }

  /**
   * The update of {@link step} on host-memory moments: per parameter, the gradient and the values
   * are copied next to the moments and one SIMD kernel (`@gptft/backend`'s `wasm/kernels.c`,
   * `adamw`) updates all three in place — torch's op order, one float32 rounding per operation
   * (test/optim.test.ts checks it bit for bit against that loop written in JavaScript).
   */
  private hostStep(grads: Record<string, tf.Tensor>, stepSize: number, bc2Sqrt: number): void {
    const largest = Math.max(0, ...this.params.filter(([n]) => grads[n]).map(([, p]) => p.size));
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (!g) continue;
      const s = this.hostSlot(name, [...p.shape], p.size, largest);
      const { memory, p: pOff, g: gOff } = s.pool;
      readInto(g, memory.view(gOff, s.size));
      readInto(p, memory.view(pOff, s.size));
      const decay = this.weightDecay > 0 && this.decayFilter(name, p);
      memory.kernels.adamw(
        pOff,
        gOff,
        s.m,
        s.v,
        s.size,
        this.beta1,
        this.beta2,
        1 - this.beta1,
        1 - this.beta2,
        this.eps,
        bc2Sqrt,
        -stepSize,
        1 - this.lr * this.weightDecay,
        decay ? 1 : 0,
      );
      // A copy (the scratch is reused): `tensorFromCopy` makes it once, where the backend allows.
      tf.tidy(() => p.assign(tensorFromCopy(memory.view(pOff, s.size), p.shape)));
    }
  }

  /** Optimizer state as arrays (`name.exp_avg`, `name.exp_avg_sq`) in either location, for checkpoints. */
  stateArrays(): Record<string, StateArray> {
    const out: Record<string, StateArray> = {};
    for (const [name, s] of this.slots) {
      out[`${name}.exp_avg`] = { shape: [...s.m.shape], data: s.m.dataSync() as Float32Array };
      out[`${name}.exp_avg_sq`] = { shape: [...s.v.shape], data: s.v.dataSync() as Float32Array };
    }
    // Host moments as views into their memory: valid until the next `step` (write them out first).
    for (const [name, s] of this.hostSlots) {
      out[`${name}.exp_avg`] = { shape: s.shape, data: s.pool.memory.view(s.m, s.size) };
      out[`${name}.exp_avg_sq`] = { shape: s.shape, data: s.pool.memory.view(s.v, s.size) };
    }
    return out;
  }

  /** Restores state written by {@link stateArrays} (copies the data), in this optimizer's location. */
  loadStateArrays(stepCount: number, arrays: Record<string, StateArray>): void {
    if (this.stateLocation === 'device') {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [n, a] of Object.entries(arrays)) tensors[n] = tf.tensor(a.data, a.shape, 'float32');
      try {
        this.loadState(stepCount, tensors);
      } finally {
        for (const t of Object.values(tensors)) t.dispose();
      }
      return;
    }
    this.stepCount = stepCount;
    const largest = Math.max(0, ...this.params.map(([, p]) => p.size));
    for (const [name, p] of this.params) {
      const m = arrays[`${name}.exp_avg`];
      const v = arrays[`${name}.exp_avg_sq`];
      if (!m || !v) continue;
      if (m.shape.join() !== p.shape.join() || v.shape.join() !== p.shape.join()) {
        throw new Error(`optimizer state ${name}.exp_avg: shape [${m.shape}] != parameter [${p.shape}]`);
      }
      const s = this.hostSlot(name, [...p.shape], p.size, largest);
      s.pool.memory.view(s.m, s.size).set(m.data);
      s.pool.memory.view(s.v, s.size).set(v.data);
    }
  }

  /** Optimizer state as named tensors (`name.exp_avg`, `name.exp_avg_sq`), for checkpoints (device state only). */
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
    this.hostSlots.clear();
    this.hostPools = [];
  }
}
