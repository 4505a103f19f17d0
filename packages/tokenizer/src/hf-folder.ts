/**
 * Reading and writing a tokenizer in Hugging Face's folder layout: `vocab.json` + `merges.txt`
 * (or `tokenizer.json`), `tokenizer_config.json`, `special_tokens_map.json`, `added_tokens.json`.
 */
import { type Folder, toFolder } from '@gptft/hub';
import { type AddedToken, toAddedToken } from './added-tokens.js';
import type { Merge } from './bpe.js';
import { parseJson, readJsonIfExists, readTextIfExists, TokenizerFileError, validate } from './json-file.js';
import {
  type AddedTokenJson,
  addedTokensJson,
  SPECIAL_TOKEN_KEYS,
  type SpecialTokenKey,
  specialTokensMapJson,
  type TokenizerConfigJson,
  tokenizerConfigJson,
  tokenizerJson,
} from './schemas.js';
import { DEFAULT_SETTINGS, type SpecialTokens, type TokenizerData } from './tokenizer-data.js';

/** The tokenizer files this package reads and writes. */
export const TOKENIZER_FILES = [
  'vocab.json',
  'merges.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'tokenizer.json',
] as const;

const SHORT_KEY: Record<SpecialTokenKey, Exclude<keyof SpecialTokens, 'additional'>> = {
  bos_token: 'bos',
  eos_token: 'eos',
  unk_token: 'unk',
  pad_token: 'pad',
  sep_token: 'sep',
  cls_token: 'cls',
  mask_token: 'mask',
};

/** Parses `vocab.json`: an object of token → non-negative integer id, ids unique. */
export function parseVocab(file: string, text: string): Map<string, number> {
  const json = parseJson(file, text);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TokenizerFileError(file, 'expected an object mapping tokens to ids');
  }
  const vocab = new Map<string, number>();
  const owner = new Map<number, string>();
  for (const [token, id] of Object.entries(json as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerFileError(
        file,
        `field ${JSON.stringify(token)}: expected a non-negative integer id, got ${JSON.stringify(id)}`,
      );
    }
    const other = owner.get(id);
    if (other !== undefined) {
      throw new TokenizerFileError(
        file,
        `id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`,
      );
    }
    owner.set(id, token);
    vocab.set(token, id);
  }
  return vocab;
}

/**
 * Parses `merges.txt`: an optional `#version` first line, then one rule `left right` per line
 * (empty lines ignored). A malformed line is reported with its number.
 */
export function parseMerges(file: string, text: string): Merge[] {
  const lines = text.split('\n');
  const merges: Merge[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerFileError(
        file,
        `line ${i + 1}: expected two symbols separated by one space, got ${JSON.stringify(line)}`,
      );
    }
    merges.push([parts[0], parts[1]]);
  }
  return merges;
}

function fromJsonToken(t: AddedTokenJson, defaultSpecial: boolean): AddedToken {
  return toAddedToken(
    {
      content: t.content,
      special: t.special ?? defaultSpecial,
      lstrip: t.lstrip,
      rstrip: t.rstrip,
      singleWord: t.single_word,
      normalized: t.normalized,
    },
    defaultSpecial,
  );
}

/** The added tokens, collected from every file that can declare them. */
class AddedTokenCollector {
  readonly byId = new Map<number, AddedToken>();
  private readonly idOf = new Map<string, number>();
  private nextId: number;

  constructor(private readonly vocab: ReadonlyMap<string, number>) {
    let max = -1;
    for (const id of vocab.values()) if (id > max) max = id;
    this.nextId = max + 1;
  }

  put(file: string, id: number | undefined, token: AddedToken): number {
    const known = this.idOf.get(token.content) ?? this.vocab.get(token.content);
    if (id === undefined) id = known ?? this.nextId;
    if (known !== undefined && known !== id) {
      throw new TokenizerFileError(
        file,
        `token ${JSON.stringify(token.content)} has id ${id} here but ${known} elsewhere`,
      );
    }
    const holder = this.byId.get(id);
    if (holder && holder.content !== token.content) {
      throw new TokenizerFileError(
        file,
        `id ${id} is given to both ${JSON.stringify(holder.content)} and ${JSON.stringify(token.content)}`,
      );
    }
    this.byId.set(id, token);
    this.idOf.set(token.content, id);
    if (id >= this.nextId) this.nextId = id + 1;
    return id;
  }

  special(file: string, content: string, json?: AddedTokenJson): void {
    const id = this.idOf.get(content);
    const existing = id === undefined ? undefined : this.byId.get(id);
    const token = json ? fromJsonToken(json, true) : { ...(existing ?? toAddedToken(content, true)) };
    this.put(file, id, { ...token, special: true });
  }
}

/** Reads a tokenizer folder into {@link TokenizerData}. */
export async function readTokenizerFolder(dir: string | Folder): Promise<TokenizerData> {
  const folder = toFolder(dir);
  const p = (name: string) => folder.pathOf(name);
  const config: TokenizerConfigJson =
    (await readJsonIfExists(folder, 'tokenizer_config.json', tokenizerConfigJson)) ?? {};
  const specialMap = await readJsonIfExists(folder, 'special_tokens_map.json', specialTokensMapJson);
  const addedJson = await readJsonIfExists(folder, 'added_tokens.json', addedTokensJson);
  const vocabText = await readTextIfExists(folder, 'vocab.json');
  const mergesText = await readTextIfExists(folder, 'merges.txt');
  const fastText = await readTextIfExists(folder, 'tokenizer.json');

  let vocab: Map<string, number>;
  let merges: Merge[];
  let fastAdded: (AddedTokenJson & { id: number })[] = [];
  let fastPrefixSpace: boolean | undefined;
  if (fastText !== undefined) {
    const fast = validate(p('tokenizer.json'), tokenizerJson, parseJson(p('tokenizer.json'), fastText));
    fastAdded = fast.added_tokens ?? [];
    if (vocabText === undefined || mergesText === undefined) {
      if (fast.model.type !== undefined && fast.model.type !== 'BPE') {
        throw new TokenizerFileError(
          p('tokenizer.json'),
          `field "model.type": is ${fast.model.type}, expected BPE`,
        );
      }
      const pre = fast.pre_tokenizer?.type;
      if (pre !== 'ByteLevel') {
        throw new TokenizerFileError(
          p('tokenizer.json'),
          `field "pre_tokenizer.type": is ${pre ?? 'null'}; only GPT-2's ByteLevel pre-tokenizer is supported`,
        );
      }
      fastPrefixSpace = fast.pre_tokenizer?.add_prefix_space;
      vocab = new Map(Object.entries(fast.model.vocab));
      merges = fast.model.merges.map((m, i) => {
        if (Array.isArray(m)) return [m[0], m[1]] as const;
        const parts = m.split(' ');
        if (parts.length !== 2) {
          throw new TokenizerFileError(
            p('tokenizer.json'),
            `field "model.merges.${i}": expected "left right", got ${JSON.stringify(m)}`,
          );
        }
        return [parts[0], parts[1]] as const;
      });
    }
  }
  if (vocabText !== undefined && mergesText !== undefined) {
    vocab = parseVocab(p('vocab.json'), vocabText);
    merges = parseMerges(p('merges.txt'), mergesText);
  } else if (fastText === undefined) {
    const missing = vocabText === undefined ? 'vocab.json' : 'merges.txt';
    throw new TokenizerFileError(
      p(missing),
      `not found: a GPT-2 tokenizer folder needs vocab.json and merges.txt (or tokenizer.json)`,
    );
  }

  const added = new AddedTokenCollector(vocab!);
  for (const t of fastAdded) added.put(p('tokenizer.json'), t.id, fromJsonToken(t, false));
  for (const [content, id] of Object.entries(addedJson ?? {})) {
    added.put(p('added_tokens.json'), id, toAddedToken(content, false));
  }
  for (const [id, t] of Object.entries(config.added_tokens_decoder ?? {})) {
    added.put(p('tokenizer_config.json'), Number(id), fromJsonToken(t, false));
  }

  // Named special tokens: special_tokens_map.json wins over tokenizer_config.json, as in HF.
  const specialTokens: SpecialTokens = { additional: [] };
  for (const [file, source] of [
    [p('tokenizer_config.json'), config],
    [p('special_tokens_map.json'), specialMap ?? {}],
  ] as const) {
    for (const key of SPECIAL_TOKEN_KEYS) {
      const value = source[key];
      if (value === undefined) continue;
      if (value === null) {
        delete specialTokens[SHORT_KEY[key]];
        continue;
      }
      const content = typeof value === 'string' ? value : value.content;
      specialTokens[SHORT_KEY[key]] = content;
      added.special(file, content, typeof value === 'string' ? undefined : value);
    }
    const extra = source.additional_special_tokens;
    if (extra) {
      specialTokens.additional = extra.map((v) => {
        const content = typeof v === 'string' ? v : v.content;
        added.special(file, content, typeof v === 'string' ? undefined : v);
        return content;
      });
    }
  }

  const {
    add_prefix_space,
    add_bos_token,
    add_eos_token,
    model_max_length,
    clean_up_tokenization_spaces,
    padding_side,
    truncation_side,
    chat_template,
    added_tokens_decoder: _decoder,
    ...rest
  } = config;
  const extraConfig: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (!(SPECIAL_TOKEN_KEYS as readonly string[]).includes(k) && k !== 'additional_special_tokens')
      extraConfig[k] = v;
  }
  return {
    vocab: vocab!,
    merges: merges!,
    addedTokens: [...added.byId].sort((a, b) => a[0] - b[0]),
    specialTokens,
    settings: {
      ...DEFAULT_SETTINGS,
      addPrefixSpace: add_prefix_space ?? fastPrefixSpace ?? false,
      addBosToken: add_bos_token ?? false,
      addEosToken: add_eos_token ?? false,
      // HF writes "no limit" as 1e30.
      modelMaxLength:
        model_max_length !== undefined && model_max_length < 1e18 ? model_max_length : undefined,
      cleanUpTokenizationSpaces: clean_up_tokenization_spaces ?? false,
      paddingSide: padding_side ?? 'right',
      truncationSide: truncation_side ?? 'right',
      chatTemplate: chat_template,
    },
    extraConfig,
  };
}
