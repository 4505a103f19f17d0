import type { GPT2LMHeadModel, LMInput } from '@gptft/heads';
import { BASE_ADAPTER_NAME, PeftModel } from '@gptft/peft';

/** The name requests use for the base model without any adapter. */
export const BASE_MODEL = 'base';

/**
 * What the batching engine needs from the model's adapters: which names exist, which rows may
 * share one forward pass, and how to run a forward pass with each row's adapter in effect.
 *
 * Rows whose `batchKey` is the same are decoded in one forward pass per step. {@link PeftAdapterRouter}
 * gives the base and every LoRA adapter one key (HF PEFT's mixed-adapter batches, `adapter_names`
 * per row) and each adapter that cannot share a batch its own.
 */
export interface AdapterRouter {
  /** Model names requests may use: {@link BASE_MODEL} first, then the adapters. */
  readonly names: readonly string[];
  /** Rows whose adapters have the same key are decoded in one forward pass. */
  batchKey(adapter: string): string;
  /**
   * Positions the adapter takes before the prompt (prefix tuning's virtual tokens: the prompt's
   * positions start after them, as in HF), so a request may use `nPositions` minus these.
   */
  reservedPositions(adapter: string): number;
  /**
   * Runs `forward` with each row's adapter in effect (`rowAdapters[i]` for row i; all rows share
   * one `batchKey`); `extra` is merged into the forward pass's input.
   */
  run<T>(rowAdapters: readonly string[], forward: (extra: Partial<LMInput>) => T): T;
}

/** The batch key of the rows that share forward passes across adapters (not a valid adapter name). */
export const MIXED_BATCH_KEY = '<mixed>';

/**
 * Adapters of one `PeftModel` on one loaded base (no copy of the base per adapter).
 *
 * The base and every adapter that can run in a mixed batch — LoRA without `modules_to_save` —
 * share one batch key: all their rows are decoded in one forward pass per step, each row with its
 * own adapter (`PeftModel.withAdapterNames`, HF PEFT's `adapter_names`; `__base__` for the base).
 * The others get a batch key of their own and one forward pass per step for their rows, with that
 * adapter made active (`setAdapter`): prompt learning (prefix tuning: its virtual tokens change
 * the sequence, not a layer), adapters with `modules_to_save` (whole modules swapped, one value
 * per forward pass), and adapters whose layers cannot mix rows (IA³, bottleneck adapters, AdaLoRA;
 * switched off, they do not keep the LoRA adapters beside them from mixing). {@link mixing} tells
 * which adapters mix, {@link alone} why the others do not.
 */
export class PeftAdapterRouter implements AdapterRouter {
  readonly names: readonly string[];
  /** Adapters decoded in mixed batches with the base (empty: every adapter runs alone). */
  readonly mixing: ReadonlySet<string>;
  /** Why the other adapters cannot share the mixed batch, by name. */
  readonly alone: ReadonlyMap<string, string>;

  constructor(readonly peft?: PeftModel<GPT2LMHeadModel>) {
    const configs = peft?.peftConfig ?? {};
    const adapters = Object.keys(configs);
    if (adapters.includes(BASE_MODEL))
      throw new Error(`an adapter may not be named "${BASE_MODEL}": that name is the base model`);
    for (const reserved of [BASE_ADAPTER_NAME, MIXED_BATCH_KEY])
      if (adapters.includes(reserved)) throw new Error(`an adapter may not be named "${reserved}"`);
    this.names = [BASE_MODEL, ...adapters];
    const mixing = new Set<string>();
    const alone = new Map<string, string>();
    // PeftModel's check looks at the layers as they are now: every adapter off, as in a mixed pass.
    const wasDisabled = peft?.adapterDisabled ?? true;
    peft?.disableAdapter();
    for (const name of adapters) {
      const toSave = configs[name]?.modules_to_save;
      if (Array.isArray(toSave) && toSave.length > 0) {
        alone.set(name, `it has modules_to_save (${toSave.join(', ')})`);
        continue;
      }
      try {
        // PeftModel's own check (prompt learning, layers that cannot mix rows); runs nothing.
        peft!.withAdapterNames([name], () => undefined);
        mixing.add(name);
      } catch (e) {
        alone.set(name, (e as Error).message);
      }
    }
    if (!wasDisabled) peft?.enableAdapter();
    this.mixing = mixing;
    this.alone = alone;
  }

  batchKey(adapter: string): string {
    if (adapter === BASE_MODEL || this.mixing.has(adapter)) return MIXED_BATCH_KEY;
    return adapter;
  }

  reservedPositions(adapter: string): number {
    const v = this.peft?.peftConfig[adapter]?.num_virtual_tokens;
    return adapter !== BASE_MODEL && typeof v === 'number' ? v : 0;
  }

  run<T>(rowAdapters: readonly string[], forward: (extra: Partial<LMInput>) => T): T {
    const peft = this.peft;
    const first = rowAdapters[0] ?? BASE_MODEL;
    const key = this.batchKey(first);
    if (rowAdapters.some((a) => this.batchKey(a) !== key))
      throw new Error(
        `PeftAdapterRouter: rows of different batch keys in one forward pass (${rowAdapters.join(', ')})`,
      );
    if (!peft) {
      if (first !== BASE_MODEL) throw new Error(`no adapter "${first}"`);
      return forward({});
    }
    if (key === MIXED_BATCH_KEY) {
      // All rows one model: the plain forward pass (no per-row gather/scatter), the same numbers.
      if (rowAdapters.every((a) => a === first)) return this.runOne(first, forward);
      // Every adapter off (no prefix, original modules), then LoRA per row: `__base__` rows get none.
      if (!peft.adapterDisabled) peft.disableAdapter();
      const names = rowAdapters.map((a) => (a === BASE_MODEL ? BASE_ADAPTER_NAME : a));
      return peft.withAdapterNames(names, () => forward({}));
    }
    return this.runOne(first, forward);
  }

  /** `forward` with `adapter` active, or every adapter off for the base. */
  private runOne<T>(adapter: string, forward: (extra: Partial<LMInput>) => T): T {
    const peft = this.peft!;
    if (adapter === BASE_MODEL) {
      if (!peft.adapterDisabled) peft.disableAdapter();
    } else {
      if (peft.adapterDisabled) peft.enableAdapter();
      if (peft.activeAdapter !== adapter) peft.setAdapter(adapter);
    }
    return forward({});
  }
}

/**
 * Loads PEFT adapter folders onto `model` under their names (`{ name: dir }`), all on one
 * `PeftModel` over the one base (`PeftModel.fromPretrained`, then `loadAdapter` for the others:
 * adapters share the base's weights, none copies them); undefined when there are none. The model
 * is changed in place (inference mode, adapters frozen). Adapters that cannot live together fail
 * here with PEFT's error (two methods on one layer, a shape that does not fit the base); which of
 * them share mixed batches is {@link PeftAdapterRouter.mixing}.
 */
export async function loadAdapters(
  model: GPT2LMHeadModel,
  adapters: Readonly<Record<string, string>>,
): Promise<PeftModel<GPT2LMHeadModel> | undefined> {
  const entries = Object.entries(adapters);
  if (entries.length === 0) return undefined;
  for (const [name] of entries) {
    if (name === BASE_MODEL || name === BASE_ADAPTER_NAME)
      throw new Error(`adapter name "${name}" is reserved for the base model`);
    if (!/^[A-Za-z0-9._:/-]+$/.test(name))
      throw new Error(`adapter name ${JSON.stringify(name)}: use letters, digits and . _ : / - only`);
  }
  const [[firstName, firstDir], ...rest] = entries as [[string, string], ...Array<[string, string]>];
  const peft = await PeftModel.fromPretrained(model, firstDir, { adapterName: firstName });
  try {
    for (const [name, dir] of rest) await peft.loadAdapter(dir, name);
  } catch (e) {
    peft.unload();
    throw e;
  }
  return peft;
}
