/**
 * File patterns as `huggingface_hub`'s `allow_patterns` reads them: Python `fnmatch` on the whole
 * repo path (`*` also matches `/`), and a pattern ending in `/` matches everything below it.
 */

/** Files a model needs by default: configs, tokenizer files and safetensors weights (no pickles). */
export const DEFAULT_MODEL_PATTERNS: readonly string[] = [
  '*.json',
  '*.safetensors',
  '*.txt',
  '*.model',
  '*.tiktoken',
  'vocab.*',
  'merges.*',
  '*.jinja',
];

function fnmatchToRegExp(pattern: string): RegExp {
  if (pattern.endsWith('/')) pattern += '*';
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** Whether `path` matches any of `patterns` (all paths match when `patterns` is undefined). */
export function matchesAny(path: string, patterns: readonly string[] | undefined): boolean {
  if (patterns === undefined) return true;
  return patterns.some((p) => fnmatchToRegExp(p).test(path));
}
