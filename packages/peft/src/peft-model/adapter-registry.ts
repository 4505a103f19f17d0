import type { Variable } from '@gptft/backend';
import type { AttachedAdapter, BasePeftConfig, PromptLearningAdapter } from '../method.js';
import { ModulesToSaveStore } from './modules-to-save.js';

/** One attached adapter of a PeftModel. */
export interface AdapterEntry {
  config: BasePeftConfig;
  adapter: AttachedAdapter;
  /** Set for prompt-learning adapters (prefix tuning). */
  prompt: PromptLearningAdapter | undefined;
  /** Its `modules_to_save` parameters under their saved keys (values swapped in by the store). */
  modulesToSave: Array<[string, Variable]>;
}

/**
 * The adapters of a PeftModel by name, which one is active, whether all are disabled — and the
 * one place that turns that state into the model's state: each adapter switched on or off, the
 * `modules_to_save` values of the one in effect.
 */
export class AdapterRegistry {
  private readonly entries = new Map<string, AdapterEntry>();
  readonly modulesToSave = new ModulesToSaveStore();
  private activeName = 'default';
  private disabledFlag = false;

  get names(): string[] {
    return [...this.entries.keys()];
  }
  get size(): number {
    return this.entries.size;
  }
  has(name: string): boolean {
    return this.entries.has(name);
  }
  get active(): string {
    return this.activeName;
  }
  get disabled(): boolean {
    return this.disabledFlag;
  }
  [Symbol.iterator](): IterableIterator<[string, AdapterEntry]> {
    return this.entries[Symbol.iterator]();
  }

  /** The entry `name` (default: the active one); the error lists the adapters. */
  get(name = this.activeName): AdapterEntry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no adapter "${name}" (adapters: ${this.names.join(', ') || 'none'})`);
    return e;
  }

  /** The entry in effect (none when disabled or empty). */
  current(): AdapterEntry | undefined {
    return this.disabledFlag ? undefined : this.entries.get(this.activeName);
  }

  add(name: string, entry: AdapterEntry): void {
    this.modulesToSave.add(
      name,
      entry.modulesToSave.map(([, v]) => v),
    );
    this.entries.set(name, entry);
    if (this.entries.size === 1) this.activeName = name;
    this.apply();
  }

  setActive(name: string): void {
    this.get(name);
    this.activeName = name;
    this.apply();
  }

  setDisabled(disabled: boolean): void {
    this.disabledFlag = disabled;
    this.apply();
  }

  /** Removes `name` (the caller detaches it first); its `modules_to_save` copies are dropped, or kept as the model's with `keepModulesToSave`. */
  delete(name: string, keepModulesToSave = false): void {
    this.modulesToSave.remove(name, keepModulesToSave);
    this.entries.delete(name);
    if (this.activeName === name) this.activeName = this.entries.keys().next().value ?? 'default';
    this.apply();
  }

  /** Switches every adapter on or off to match the state, and swaps in the `modules_to_save` values. */
  apply(): void {
    for (const [name, e] of this.entries)
      e.adapter.setEnabled(!this.disabledFlag && name === this.activeName);
    this.modulesToSave.hold(this.disabledFlag || !this.entries.has(this.activeName) ? null : this.activeName);
  }
}
