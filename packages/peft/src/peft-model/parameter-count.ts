import type { Variable } from '@gptft/backend';
import type { Module } from '@gptft/nn';
import type { AdapterEntry } from './adapter-registry.js';

/** `{ trainable, all }` parameter counts, as HF PEFT's `get_nb_trainable_parameters`. */
export function countParameters(
  model: Module,
  entries: Iterable<AdapterEntry>,
  stateDict: (e: AdapterEntry) => Array<[string, Variable]>,
): { trainable: number; all: number } {
  const seen = new Set<Variable>();
  let all = 0;
  let trainable = 0;
  const add = (v: Variable) => {
    if (seen.has(v)) return;
    seen.add(v);
    all += v.size;
    if (v.trainable) trainable += v.size;
  };
  for (const p of model.parameters()) add(p);
  for (const e of entries) {
    for (const [, v] of stateDict(e)) add(v);
    // PEFT keeps each adapter's copy next to the original module: copies count in "all params".
    for (const [, v] of e.modulesToSave) all += v.size;
  }
  return { trainable, all };
}

/** PEFT's line: `trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364`. */
export function trainableParametersLine({ trainable, all }: { trainable: number; all: number }): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  return `trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`;
}
