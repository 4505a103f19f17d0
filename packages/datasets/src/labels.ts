/** Label names and their ids, as HF `config.json` stores them (`label2id`, `id2label`). */
export interface LabelMap {
  /** Label names in id order. */
  labels: string[];
  label2id: Record<string, number>;
  id2label: Record<number, string>;
}

/**
 * Builds a label map from the labels found in the data, sorted as HF's `run_glue` / `run_ner`
 * examples sort them (`sorted(set(labels))`): numerically when every label is a number, else by
 * string (code-unit order). Accepts labels or arrays of labels (token tags), e.g.
 * `buildLabelMap(dataset.map((r) => r.tags))`.
 */
export function buildLabelMap(values: Iterable<string | number | readonly (string | number)[]>): LabelMap {
  const seen = new Set<string | number>();
  for (const v of values) {
    if (Array.isArray(v)) for (const x of v) seen.add(x);
    else seen.add(v as string | number);
  }
  const all = [...seen];
  const numeric = all.every((v) => typeof v === 'number');
  const labels = numeric
    ? (all as number[]).sort((a, b) => a - b).map(String)
    : [...new Set(all.map(String))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return labelMapFromNames(labels);
}

/** A label map from names in id order (e.g. a model config's `id2label`). */
export function labelMapFromNames(labels: readonly string[]): LabelMap {
  const label2id: Record<string, number> = {};
  const id2label: Record<number, string> = {};
  labels.forEach((name, i) => {
    if (Object.hasOwn(label2id, name)) throw new Error(`duplicate label ${JSON.stringify(name)}`);
    label2id[name] = i;
    id2label[i] = name;
  });
  return { labels: [...labels], label2id, id2label };
}

/**
 * For each label id, the id to use on a word's later sub-tokens when every sub-token is labelled:
 * `B-X` becomes `I-X` when `I-X` exists (HF `run_ner`'s `b_to_i_label`), other labels stay.
 */
export function beginToInsideIds(map: LabelMap): number[] {
  return map.labels.map((name, i) => {
    if (name.startsWith('B-')) {
      const inside = `I-${name.slice(2)}`;
      if (Object.hasOwn(map.label2id, inside)) return map.label2id[inside];
    }
    return i;
  });
}
