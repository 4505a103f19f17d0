/** Writing a tokenizer as HF's `GPT2Tokenizer.save_pretrained` does. */
import { toWritableFolder, type WritableFolder } from '@gptft/hub';
import type { AddedToken } from './added-tokens.js';
import type { TokenizerData } from './tokenizer-data.js';

/** Python's `sort_keys` order (by code point). */
function codePointCompare(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"`, as transformers writes
 * (written by hand: `JSON.stringify` would move integer-like keys such as `"50256"` to the front).
 */
export function pythonJson(value: unknown): string {
  const dump = (v: unknown, pad: string): string => {
    const inner = `${pad}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => inner + dump(x, inner)).join(',\n')}\n${pad}]`;
    }
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v).sort(codePointCompare);
      if (keys.length === 0) return '{}';
      const rows = keys.map(
        (k) => `${inner}${JSON.stringify(k)}: ${dump((v as Record<string, unknown>)[k], inner)}`,
      );
      return `{\n${rows.join(',\n')}\n${pad}}`;
    }
    return JSON.stringify(v ?? null);
  };
  return `${dump(value, '')}\n`;
}

function addedTokenJson(t: AddedToken): Record<string, unknown> {
  return {
    content: t.content,
    lstrip: t.lstrip,
    normalized: t.normalized,
    rstrip: t.rstrip,
    single_word: t.singleWord,
    special: t.special,
  };
}

/** The five HF files of a tokenizer, as name → content. */
export function tokenizerFiles(data: TokenizerData): Map<string, string> {
  const files = new Map<string, string>();
  files.set('vocab.json', pythonJson(Object.fromEntries(data.vocab)));
  const merges = typeof data.merges === 'function' ? data.merges() : data.merges;
  files.set('merges.txt', `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}\n`).join('')}`);

  const s = data.specialTokens;
  const named: Record<string, unknown> = {};
  if (s.bos !== undefined) named.bos_token = s.bos;
  if (s.eos !== undefined) named.eos_token = s.eos;
  if (s.unk !== undefined) named.unk_token = s.unk;
  if (s.pad !== undefined) named.pad_token = s.pad;
  if (s.sep !== undefined) named.sep_token = s.sep;
  if (s.cls !== undefined) named.cls_token = s.cls;
  if (s.mask !== undefined) named.mask_token = s.mask;
  if (s.additional.length > 0) named.additional_special_tokens = s.additional;
  files.set('special_tokens_map.json', pythonJson(named));

  const st = data.settings;
  const config: Record<string, unknown> = {
    ...data.extraConfig,
    ...named,
    add_bos_token: st.addBosToken,
    add_prefix_space: st.addPrefixSpace,
    added_tokens_decoder: Object.fromEntries(
      data.addedTokens.map(([id, t]) => [String(id), addedTokenJson(t)]),
    ),
    clean_up_tokenization_spaces: st.cleanUpTokenizationSpaces,
    tokenizer_class: (data.extraConfig.tokenizer_class as string | undefined) ?? 'GPT2Tokenizer',
  };
  if (st.addEosToken) config.add_eos_token = true;
  if (s.pad === undefined) config.pad_token = null;
  if (st.modelMaxLength !== undefined) config.model_max_length = st.modelMaxLength;
  if (st.paddingSide !== 'right') config.padding_side = st.paddingSide;
  if (st.truncationSide !== 'right') config.truncation_side = st.truncationSide;
  if (st.chatTemplate !== undefined) config.chat_template = st.chatTemplate;
  files.set('tokenizer_config.json', pythonJson(config));

  // HF writes only the added tokens that lie beyond vocab.json.
  const beyond = data.addedTokens.filter(([id, t]) => data.vocab.get(t.content) !== id);
  if (beyond.length > 0)
    files.set('added_tokens.json', pythonJson(Object.fromEntries(beyond.map(([id, t]) => [t.content, id]))));
  return files;
}

/**
 * Writes the tokenizer files into `dir` (created if needed), each atomically. Removes a stale
 * `added_tokens.json` (when none is needed) and `tokenizer.json` (HF would load it instead of
 * these files). Returns the paths written.
 */
export async function writeTokenizerFolder(
  dir: string | WritableFolder,
  data: TokenizerData,
): Promise<string[]> {
  const folder = toWritableFolder(dir);
  const files = tokenizerFiles(data);
  const written: string[] = [];
  for (const [name, content] of files) {
    await folder.write(name, content);
    written.push(folder.pathOf(name));
  }
  if (!files.has('added_tokens.json')) await folder.remove('added_tokens.json');
  await folder.remove('tokenizer.json');
  return written;
}
