import { BatchedKVCache, disposePast, type PastKeyValues, selectPastRows } from '@gptft/gpt2-model';
import { type GPT2LMHeadModel, RowDecoder, type RowDecoderOptions } from '@gptft/heads';
import type { AdapterRouter } from './adapters.js';
import { QueueFullError } from './errors.js';

/** One generation request: a prompt, the adapter, how many samples, the decoding settings. */
export interface GenerationRequest {
  promptIds: readonly number[];
  /** A name of the router (`base` or an adapter). */
  adapter: string;
  /** Rows (OpenAI's `n`): independent samples of the prompt, decoded in the batch together. */
  n: number;
  /** Decoding settings of each row (`maxNewTokens`, eos ids, sampling, stop strings, tokenizer…). */
  decode: RowDecoderOptions;
  /** Aborting it removes the request from the queue or the batch and frees its cache rows. */
  signal?: AbortSignal;
  /** Called after every step that gave this request's rows new tokens (streaming). */
  onStep?: (decoder: RowDecoder) => void;
}

/** Options of {@link BatchEngine}. */
export interface BatchEngineOptions {
  /** Rows decoded at once, all adapters together (default 32); requests beyond wait in the queue. */
  maxBatchRows?: number;
  /** Requests that may wait for a free row (default 64); beyond it `submit` fails with a 429 error. */
  maxQueue?: number;
}

/** Counters of the engine (for `/health` and the benchmark). */
export interface EngineStats {
  waiting: number;
  activeRequests: number;
  activeRows: number;
  /** Forward passes so far: prompt prefills and batched decode steps. */
  prefills: number;
  decodeSteps: number;
  /** Rows decoded, summed over decode steps (÷ decodeSteps = mean batch size). */
  decodedRows: number;
  /** Decode steps whose rows used more than one model (base and adapters in one forward pass). */
  mixedDecodeSteps: number;
  completed: number;
  cancelled: number;
}

interface Sequence {
  req: GenerationRequest;
  decoder?: RowDecoder;
  resolve: (d: RowDecoder) => void;
  reject: (e: unknown) => void;
}

/** One row of a batch: which request, which of its rows, the id to feed next. */
interface Row {
  seq: Sequence;
  row: number;
  next: number;
}

/** Rows that share forward passes (same adapter batch key) and their KV cache. */
interface Group {
  key: string;
  cache: BatchedKVCache;
  rows: Row[];
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Continuous batching: requests join the running batch as soon as a row is free (their prompt is
 * run alone — a prefill — and its keys/values are added to the batch's {@link BatchedKVCache}),
 * every step is one forward pass over all active rows of a batch key (the router's: with
 * `PeftAdapterRouter`, the base and every LoRA adapter share one), and rows leave the
 * batch (their cache rows freed) as soon as they finish, are cancelled or time out. Each request
 * keeps its own {@link RowDecoder} (processors, seeded RNG, stop criteria), so its result does not
 * depend on what else is in the batch. Between forward passes the event loop runs (I/O, aborts).
 */
export class BatchEngine {
  private readonly waiting: Sequence[] = [];
  private readonly groups = new Map<string, Group>();
  private running = false;
  private closed = false;
  private paused = false;
  private idleWaiters: Array<() => void> = [];
  readonly maxBatchRows: number;
  readonly maxQueue: number;
  private readonly counters = {
    prefills: 0,
    decodeSteps: 0,
    decodedRows: 0,
    mixedDecodeSteps: 0,
    completed: 0,
    cancelled: 0,
  };

  constructor(
    readonly model: GPT2LMHeadModel,
    readonly router: AdapterRouter,
    options: BatchEngineOptions = {},
  ) {
    this.maxBatchRows = options.maxBatchRows ?? 32;
    this.maxQueue = options.maxQueue ?? 64;
    if (!Number.isInteger(this.maxBatchRows) || this.maxBatchRows < 1)
      throw new Error(`maxBatchRows must be a positive integer (got ${this.maxBatchRows})`);
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 0)
      throw new Error(`maxQueue must be an integer ≥ 0 (got ${this.maxQueue})`);
  }

  get stats(): EngineStats {
    let rows = 0;
    const active = new Set<Sequence>();
    for (const g of this.groups.values()) {
      rows += g.rows.length;
      for (const r of g.rows) active.add(r.seq);
    }
    return { waiting: this.waiting.length, activeRequests: active.size, activeRows: rows, ...this.counters };
  }

  /**
   * Queues a request; resolves with its decoder once every row finished (`decoder.newIds`,
   * `finishReasons`, `text`). Rejects with {@link QueueFullError} when the queue is full, with the
   * signal's reason when aborted, or with the error of a failed forward pass.
   */
  submit(req: GenerationRequest): Promise<RowDecoder> {
    if (this.closed) return Promise.reject(new Error('the engine is closed'));
    if (!this.router.names.includes(req.adapter))
      return Promise.reject(new Error(`no model "${req.adapter}" (models: ${this.router.names.join(', ')})`));
    if (!Number.isInteger(req.n) || req.n < 1 || req.n > this.maxBatchRows)
      return Promise.reject(new Error(`n must be between 1 and ${this.maxBatchRows} (got ${req.n})`));
    const positions = this.model.config.nPositions - this.router.reservedPositions(req.adapter);
    if (req.promptIds.length === 0) return Promise.reject(new Error('the prompt is empty'));
    if (req.promptIds.length + req.decode.maxNewTokens > positions)
      return Promise.reject(
        new Error(
          `prompt (${req.promptIds.length} tokens) + maxNewTokens (${req.decode.maxNewTokens}) exceed the context (${positions})`,
        ),
      );
    if (this.waiting.length >= this.maxQueue && !this.hasRoomFor(req.n + this.waitingRows()))
      return Promise.reject(new QueueFullError(this.maxQueue));
    return new Promise<RowDecoder>((resolve, reject) => {
      this.waiting.push({ req, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.waiting.length === 0 && this.groups.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops admitting queued requests: rows already decoding go on, new requests wait in the queue
   * (up to `maxQueue`) until {@link resume}. For maintenance, and for tests that must start
   * several requests in the same step.
   */
  pause(): void {
    this.paused = true;
  }

  /** Admits queued requests again (see {@link pause}). */
  resume(): void {
    this.paused = false;
    if (this.waiting.length > 0) this.kick();
  }

  /** Rejects everything queued or running with `reason` and frees every cache; no new requests. */
  close(reason: unknown = new Error('the engine is closed')): void {
    this.closed = true;
    for (const s of this.waiting.splice(0)) s.reject(reason);
    for (const g of this.groups.values()) {
      for (const seq of new Set(g.rows.map((r) => r.seq))) seq.reject(reason);
      g.cache.dispose();
    }
    this.groups.clear();
  }

  private activeRows(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.rows.length;
    return n;
  }

  private waitingRows(): number {
    let n = 0;
    for (const s of this.waiting) n += s.req.n;
    return n;
  }

  private hasRoomFor(n: number): boolean {
    return this.activeRows() + n <= this.maxBatchRows;
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && ((!this.paused && this.waiting.length > 0) || this.groups.size > 0)) {
        this.dropCancelled();
        // Admit waiting requests (first come, first served) while rows are free.
        while (!this.paused && this.waiting.length > 0 && this.hasRoomFor(this.waiting[0]!.req.n)) {
          const seq = this.waiting.shift()!;
          if (seq.req.signal?.aborted) {
            this.counters.cancelled++;
            seq.reject(seq.req.signal.reason);
            continue;
          }
          this.prefill(seq);
          await yieldToEventLoop();
          this.dropCancelled();
        }
        for (const g of [...this.groups.values()]) {
          if (g.rows.length > 0) this.decodeStep(g);
          await yieldToEventLoop();
          this.dropCancelled();
        }
      }
    } finally {
      this.running = false;
      if (this.waiting.length > 0 && !this.closed && !this.paused) this.kick();
      else if (this.waiting.length === 0 || this.closed) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Runs the prompt alone, picks the first token of each row and adds the open rows to their group. */
  private prefill(seq: Sequence): void {
    const { req } = seq;
    let past: PastKeyValues | undefined;
    try {
      const decoder = new RowDecoder(
        Array.from({ length: req.n }, () => [...req.promptIds]),
        req.decode,
      );
      seq.decoder = decoder;
      const out = this.router.run([req.adapter], (extra) =>
        this.model.forward({ inputIds: [[...req.promptIds]], useCache: true, logitsToKeep: 1, ...extra }),
      );
      past = out.pastKeyValues!;
      const values = out.logits.dataSync() as Float32Array;
      out.logits.dispose();
      this.counters.prefills++;
      const next = decoder.choose(() => values.slice()); // every row starts from the same scores
      req.onStep?.(decoder);
      if (decoder.done) {
        disposePast(past);
        this.finish(seq);
        return;
      }
      const open = next.map((id, row) => ({ id, row })).filter(({ row }) => !decoder.isFinished(row));
      const rowsPast =
        open.length === 1
          ? past
          : selectPastRows(
              past,
              open.map(() => 0),
            );
      if (rowsPast !== past) disposePast(past);
      past = undefined;
      const key = this.router.batchKey(req.adapter);
      let group = this.groups.get(key);
      if (!group) {
        group = { key, cache: new BatchedKVCache(), rows: [] };
        this.groups.set(key, group);
      }
      group.cache.add(rowsPast);
      for (const { id, row } of open) group.rows.push({ seq, row, next: id });
    } catch (e) {
      disposePast(past);
      seq.reject(e);
    }
  }

  /** One forward pass over a group's rows, one new token each; finished rows leave. */
  private decodeStep(g: Group): void {
    let values: Float32Array;
    try {
      const out = this.router.run(
        g.rows.map((r) => r.seq.req.adapter),
        (extra) =>
          this.model.forward({
            inputIds: g.rows.map((r) => [r.next]),
            pastKeyValues: g.cache.past,
            attentionMask: g.cache.attentionMask(1),
            useCache: true,
            logitsToKeep: 1,
            ...extra,
          }),
      );
      g.cache.update(out.pastKeyValues!);
      values = out.logits.dataSync() as Float32Array;
      out.logits.dispose();
    } catch (e) {
      for (const seq of new Set(g.rows.map((r) => r.seq))) seq.reject(e);
      g.cache.dispose();
      this.groups.delete(g.key);
      return;
    }
    this.counters.decodeSteps++;
    this.counters.decodedRows += g.rows.length;
    if (new Set(g.rows.map((r) => r.seq.req.adapter)).size > 1) this.counters.mixedDecodeSteps++;
    const v = values.length / g.rows.length;
    // Each request chooses for its open rows from their logits.
    const bySeq = new Map<Sequence, Map<number, number>>(); // row of the request → row of the batch
    g.rows.forEach((r, i) => {
      const m = bySeq.get(r.seq) ?? new Map<number, number>();
      bySeq.set(r.seq, m);
      m.set(r.row, i);
    });
    const nextOf = new Map<Sequence, number[]>();
    const failed = new Set<Sequence>();
    for (const [seq, rows] of bySeq) {
      try {
        const decoder = seq.decoder!;
        nextOf.set(
          seq,
          decoder.choose((row) => {
            const i = rows.get(row);
            if (i === undefined) throw new Error(`row ${row} of a request is not in the batch`);
            return values.slice(i * v, (i + 1) * v);
          }),
        );
        seq.req.onStep?.(decoder);
      } catch (e) {
        failed.add(seq);
        seq.reject(e);
      }
    }
    const keep: number[] = [];
    const rows: Row[] = [];
    g.rows.forEach((r, i) => {
      const decoder = r.seq.decoder!;
      if (failed.has(r.seq) || decoder.done || decoder.isFinished(r.row)) return;
      keep.push(i);
      rows.push({ ...r, next: nextOf.get(r.seq)![r.row]! });
    });
    for (const seq of bySeq.keys()) if (!failed.has(seq) && seq.decoder!.done) this.finish(seq);
    this.shrink(g, keep, rows);
  }

  private finish(seq: Sequence): void {
    this.counters.completed++;
    seq.resolve(seq.decoder!);
  }

  /** Keeps rows `keep` of the group (in order) and frees the others; an empty group is removed. */
  private shrink(g: Group, keep: number[], rows: Row[]): void {
    if (rows.length === 0) {
      g.cache.dispose();
      this.groups.delete(g.key);
      return;
    }
    if (keep.length !== g.rows.length) g.cache.select(keep);
    g.rows = rows;
  }

  /** Removes the rows of aborted requests from their groups (cache rows freed) and rejects them. */
  private dropCancelled(): void {
    for (const [i, s] of [...this.waiting.entries()].reverse()) {
      if (s.req.signal?.aborted) {
        this.waiting.splice(i, 1);
        this.counters.cancelled++;
        s.reject(s.req.signal.reason);
      }
    }
    for (const g of [...this.groups.values()]) {
      const gone = new Set(g.rows.filter((r) => r.seq.req.signal?.aborted).map((r) => r.seq));
      if (gone.size === 0) continue;
      for (const seq of gone) {
        this.counters.cancelled++;
        seq.reject(seq.req.signal!.reason);
      }
      const keep: number[] = [];
      const rows: Row[] = [];
      g.rows.forEach((r, i) => {
        if (!gone.has(r.seq)) {
          keep.push(i);
          rows.push(r);
        }
      });
      this.shrink(g, keep, rows);
    }
  }
}
