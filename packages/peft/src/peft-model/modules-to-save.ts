import { type Tensor, tf, type Variable } from '@gptft/backend';
import type { Module } from '@gptft/nn';

/**
 * The parameters of PEFT's `modules_to_save` in `root`: modules whose path is `name` or ends with
 * `.name`, each parameter keyed `<rootPrefix><path>.<param>` (PEFT's saved key, with its
 * `modules_to_save.<adapter>` part removed). A name in `optional` may match nothing (HF PEFT's
 * default classifier names); any other name must match a module.
 */
export function modulesToSaveParameters(
  root: Module,
  names: readonly string[],
  optional: readonly string[],
  rootPrefix: string,
): Array<[string, Variable]> {
  const out: Array<[string, Variable]> = [];
  const seen = new Set<Variable>();
  for (const name of names) {
    const hits = root
      .namedModules()
      .filter(([path]) => path !== '' && (path === name || path.endsWith(`.${name}`)));
    if (hits.length === 0) {
      if (optional.includes(name)) continue;
      throw new Error(`modules_to_save: "${name}" matches no module of the model`);
    }
    for (const [path, m] of hits) {
      for (const [pname, v] of m.namedParameters(path)) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.push([`${rootPrefix}${pname}`, v]);
      }
    }
  }
  return out;
}

interface Slot {
  /** The base model's values (PEFT's `original_module`). */
  original: Tensor;
  /** `trainable` before any adapter took the parameter. */
  trainable: boolean;
  /** Whose values the variable holds now: an adapter, or `null` for the original. */
  holder: string | null;
  /** The values of the other adapters that have their own copy. */
  copies: Map<string, Tensor>;
}

/**
 * PEFT's `ModulesToSaveWrapper` for variables that are shared by the model: each adapter has its
 * own copy of the module (starting from the original values), the original is kept, and the
 * variable holds the values of whoever is in effect — the active adapter, or the original when
 * adapters are disabled or the active one has no copy. Switching swaps values in place, so the
 * model's forward needs no change.
 */
export class ModulesToSaveStore {
  private readonly slots = new Map<Variable, Slot>();

  /** Gives `adapter` its own copy of `vars` (a copy of the original values, as PEFT's deepcopy). */
  add(adapter: string, vars: readonly Variable[]): void {
    for (const v of vars) {
      let slot = this.slots.get(v);
      if (!slot) {
        slot = { original: tf.clone(v), trainable: v.trainable, holder: null, copies: new Map() };
        this.slots.set(v, slot);
      }
      if (slot.holder === adapter || slot.copies.has(adapter)) continue;
      slot.copies.set(adapter, tf.clone(slot.original));
    }
  }

  /** Puts `adapter`'s values (or, for `null` or an adapter without a copy, the original) in the variables. */
  hold(adapter: string | null): void {
    for (const [v, slot] of this.slots) {
      const target =
        adapter !== null && (slot.holder === adapter || slot.copies.has(adapter)) ? adapter : null;
      this.switchTo(v, slot, target);
    }
  }

  private switchTo(v: Variable, slot: Slot, target: string | null): void {
    if (slot.holder === target) return;
    if (slot.holder !== null) slot.copies.set(slot.holder, tf.clone(v));
    if (target === null) v.assign(slot.original);
    else {
      const values = slot.copies.get(target)!;
      v.assign(values);
      values.dispose();
      slot.copies.delete(target);
    }
    slot.holder = target;
  }

  /**
   * Drops `adapter`'s copies. With `keep`, its values stay in the variables as the model's own and
   * every other copy and the original are dropped too (PEFT's `merge_and_unload`); otherwise a
   * variable it held goes back to the original, and is released once no adapter has a copy.
   */
  remove(adapter: string, keep = false): void {
    for (const [v, slot] of [...this.slots]) {
      const has = slot.holder === adapter || slot.copies.has(adapter);
      if (!has) continue;
      if (keep) {
        this.switchTo(v, slot, adapter);
        this.release(v, slot, false);
        continue;
      }
      if (slot.holder === adapter) {
        v.assign(slot.original);
        slot.holder = null;
      } else {
        slot.copies.get(adapter)!.dispose();
        slot.copies.delete(adapter);
      }
      if (slot.holder === null && slot.copies.size === 0) this.release(v, slot, true);
    }
  }

  private release(v: Variable, slot: Slot, restore: boolean): void {
    if (restore) v.assign(slot.original);
    slot.original.dispose();
    for (const t of slot.copies.values()) t.dispose();
    v.trainable = slot.trainable;
    this.slots.delete(v);
  }
}
