import type { GPT2LMHeadModel, LMInput } from '@gptft/heads';
import { PeftModel } from '@gptft/peft';

/** The name requests use for the base model without any adapter. */
export const BASE_MODEL = 'base';

/**
 * What the batching engine needs from the model's adapters: which names exist, which rows may
 * share one forward pass, and how to run a forward pass with each row's adapter in effect.
 *
 * This is the seam for per-row adapters: a router whose `batchKey` is the same for every name runs
 * one forward pass per step for all rows (HF PEFT's mixed-adapter batches, `adapter_names` per
 * row); {@link PeftAdapterRouter} runs one forward pass per adapter present in the batch.
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

/**
 * Adapters of one `PeftModel` (LoRA, prefix tuning, bottleneck adapters, any registered method) on
 * one loaded base: before each forward pass the rows' adapter is made active (`setAdapter`), or
 * every adapter is switched off for the base (`disableAdapter`). Switching swaps no weights, so it
 * costs nothing; rows of different adapters take separate forward passes.
 */
export class PeftAdapterRouter implements AdapterRouter {
  readonly names: readonly string[];

  constructor(readonly peft?: PeftModel<GPT2LMHeadModel>) {
    const adapters = Object.keys(peft?.peftConfig ?? {});
    if (adapters.includes(BASE_MODEL))
      throw new Error(`an adapter may not be named "${BASE_MODEL}": that name is the base model`);
    this.names = [BASE_MODEL, ...adapters];
  }

  batchKey(adapter: string): string {
    return adapter;
  }

  reservedPositions(adapter: string): number {
    const v = this.peft?.peftConfig[adapter]?.num_virtual_tokens;
    return adapter !== BASE_MODEL && typeof v === 'number' ? v : 0;
  }

  run<T>(rowAdapters: readonly string[], forward: (extra: Partial<LMInput>) => T): T {
    const adapter = rowAdapters[0] ?? BASE_MODEL;
    if (rowAdapters.some((a) => a !== adapter))
      throw new Error('PeftAdapterRouter: one adapter per forward pass (got a mixed batch)');
    const peft = this.peft;
    if (peft) {
      if (adapter === BASE_MODEL) peft.disableAdapter();
      else {
        if (peft.adapterDisabled) peft.enableAdapter();
        if (peft.activeAdapter !== adapter) peft.setAdapter(adapter);
      }
    } else if (adapter !== BASE_MODEL) throw new Error(`no adapter "${adapter}"`);
    return forward({});
  }
}

/**
 * Loads PEFT adapter folders onto `model` under their names (`{ name: dir }`), as
 * `PeftModel.fromPretrained` then `loadAdapter` for the others; undefined when there are none.
 * The model is changed in place (inference mode, adapters frozen).
 */
export async function loadAdapters(
  model: GPT2LMHeadModel,
  adapters: Readonly<Record<string, string>>,
): Promise<PeftModel<GPT2LMHeadModel> | undefined> {
  const entries = Object.entries(adapters);
  if (entries.length === 0) return undefined;
  for (const [name] of entries) {
    if (name === BASE_MODEL) throw new Error(`adapter name "${BASE_MODEL}" is reserved for the base model`);
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
