/**
 * Which modules an adapter goes on — one matcher for every tuner, HF PEFT's
 * `check_target_module_exists` (`tuners/tuners_utils.py`). Keys are HF module names
 * (`transformer.h.0.attn.c_attn`).
 */

/** `target_modules` / `exclude_modules`: a list of names or suffixes, or one regex (full match). */
export type ModuleList = readonly string[] | string;

/** The config fields the matcher reads (every tuner config has some of them). */
export interface TargetConfig {
  target_modules?: ModuleList | null | undefined;
  exclude_modules?: ModuleList | null | undefined;
  modules_to_save?: readonly string[] | null | undefined;
  layers_to_transform?: readonly number[] | number | null | undefined;
  layers_pattern?: readonly string[] | string | null | undefined;
}

/** `re.fullmatch(pattern, key)`. */
export function fullMatch(pattern: string, key: string): boolean {
  return new RegExp(`^(?:${pattern})$`).test(key);
}

/**
 * Whether `names` selects `key`: a string is a full-match regex; a list entry matches the whole
 * key or its last dotted components (`attn.c_attn` matches `transformer.h.0.attn.c_attn`,
 * `n_attn` does not).
 */
export function matchesModuleList(names: ModuleList, key: string): boolean {
  if (typeof names === 'string') return fullMatch(names, key);
  return names.some((n) => key === n || key.endsWith(`.${n}`));
}

/** The layer index of `key` (`h.3.attn` → 3), as HF finds it; `undefined` when there is none. */
export function layerIndex(
  key: string,
  layersPattern?: readonly string[] | string | null,
): number | undefined {
  const patterns = layersPattern == null || layersPattern.length === 0 ? [] : [layersPattern].flat();
  if (patterns.length === 0) {
    const m = /^.*?\.[^.]*\.(\d+)\./.exec(key);
    return m ? Number(m[1]) : undefined;
  }
  for (const p of patterns) {
    const m = new RegExp(`^.*?\\.${p}\\.(\\d+)\\.`).exec(key);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * HF PEFT's decision for the module named `key`:
 * - `'excluded'` when `exclude_modules` selects it, or it is (inside) a `modules_to_save` module
 *   (adapters never go there);
 * - otherwise whether `target_modules` selects it (`false` when it is absent), restricted to the
 *   layers of `layers_to_transform` (found with `layers_pattern`, default: the first numbered
 *   component). HF PEFT refuses a regex `target_modules` with `layers_to_transform`; gptft accepts
 *   the pair and applies the layer filter to regex matches too.
 */
export function checkTargetModuleExists(config: TargetConfig, key: string): boolean | 'excluded' {
  if (config.exclude_modules && matchesModuleList(config.exclude_modules, key)) return 'excluded';
  if (config.modules_to_save?.some((m) => new RegExp(`(^|.*\\.)${m}($|\\..*)`).test(key))) return 'excluded';
  const targets = config.target_modules;
  if (targets == null) return false;
  if (!matchesModuleList(targets, key)) return false;
  const layers = config.layers_to_transform;
  const usesLayers = layers != null && (!Array.isArray(layers) || layers.length > 0);
  if (!usesLayers) return true;
  const index = layerIndex(key, config.layers_pattern);
  if (index === undefined) return false;
  return typeof layers === 'number' ? index === layers : (layers as readonly number[]).includes(index);
}

/**
 * HF PEFT's `get_pattern_key`: the first key of `rank_pattern` / `alpha_pattern` that matches the
 * end of the module name `key` (`(.*\.)?(<pattern>)$`), else `key` itself.
 */
export function getPatternKey(patternKeys: readonly string[], key: string): string {
  return patternKeys.find((p) => new RegExp(`^(.*\\.)?(${p})$`).test(key)) ?? key;
}
