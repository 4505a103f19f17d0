/**
 * `GPT2Tokenizer`: GPT-2's byte-level BPE with HF's tokenizer API in camelCase — exact GPT-2 ids,
 * checkpoints' own vocabularies and added tokens, padding and truncation, offsets and word ids,
 * streaming decode.
 */
import { resolvePretrained } from '@gptft/hub';
import {
  type AddedToken,
  type AddedTokenInput,
  AddedVocabulary,
  type AllowedSpecial,
  toAddedToken,
} from './added-tokens.js';
import { type BatchEncoding, padBatch, type RowEncoding, truncateRow } from './batch.js';
import { ByteLevelBPE, type Merge } from './bpe.js';
import { byteLevelToBytes } from './byte-level.js';
import { writeTokenizerFolder } from './hf-folder-write.js';
import { readTokenizerFolder } from './hf-folder.js';
import { tokenSpans } from './offsets.js';
import { GPT2_SPLIT_REGEX, JS_WHITESPACE_MISMATCH } from './pretokenize.js';
import {
  GPT2_EOS,
  GPT2_EOS_ID,
  GPT2_MODEL_MAX_LENGTH,
  gpt2Merges,
  gpt2Vocab,
  isGpt2Vocabulary,
  r50kEncode,
} from './r50k.js';
import {
  cleanUpTokenization,
  type DecodeOptions,
  idsToBytes,
  StreamDecoder,
  type TokenBytesSource,
} from './stream-decoder.js';
import {
  DEFAULT_SETTINGS,
  type SpecialTokens,
  type TokenizerData,
  type TokenizerSettings,
} from './tokenizer-data.js';

/**
 * Which BPE implementation encodes: `'bpe'` (this package's own, OpenAI's algorithm over the
 * folder's merges; the default, measured about 2x faster) or `'gpt-tokenizer'` (gpt-tokenizer's
 * r50k encoder; GPT-2's vocabulary only). Both give identical ids on GPT-2's vocabulary.
 */
export type Engine = 'bpe' | 'gpt-tokenizer';

/** Options of the tokenizer constructors. */
export interface TokenizerOptions {
  engine?: Engine;
}

/** Options of {@link GPT2Tokenizer.fromPretrained} (hub options as in `@gptft/hub`). */
export interface FromPretrainedOptions extends TokenizerOptions {
  revision?: string;
  cacheDir?: string;
  hubUrl?: string;
  accessToken?: string;
  localFilesOnly?: boolean;
}

/** Options of {@link GPT2Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Special tokens that may appear in the text as themselves. Default `'none'`: a `<|endoftext|>`
   * in the text is encoded as the plain characters `<`, `|`, … (HF `split_special_tokens=True`;
   * tiktoken `disallowed_special=()`). `'all'` matches every special token (HF's default
   * `split_special_tokens=False`; tiktoken `allowed_special="all"`); a set or list allows those
   * named. Non-special added tokens are always matched, as in HF.
   */
  allowedSpecial?: AllowedSpecial;
  /** Add bos/eos when the tokenizer's `addBosToken`/`addEosToken` say so (default true, as HF). */
  addSpecialTokens?: boolean;
}

/** One text's tokens with their offsets and word ids. */
export interface Encoding {
  ids: number[];
  /** `[start, end)` UTF-16 offsets into the text per token (see `offsets.ts` for split characters). */
  offsets: [number, number][];
  /** Pre-tokenization word (GPT-2 regex chunk) index per token; null for bos/eos. */
  wordIds: (number | null)[];
}

/** Options of {@link GPT2Tokenizer.call}. */
export interface CallOptions extends EncodeOptions {
  /** `true`/`'longest'`: pad to the longest row; `'max_length'`: to `maxLength`; default no padding. */
  padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
  /** Cut rows longer than `maxLength` (default: the tokenizer's `modelMaxLength`). */
  truncation?: boolean | 'longest_first' | 'only_first' | 'do_not_truncate';
  maxLength?: number;
  /** Round the padded length up to a multiple of this. */
  padToMultipleOf?: number;
  /** Default: the tokenizer's `paddingSide` (right unless its config says otherwise). */
  paddingSide?: 'left' | 'right';
  /** Default: the tokenizer's `truncationSide`. */
  truncationSide?: 'left' | 'right';
  /** Include `offsets` (HF `return_offsets_mapping`). */
  returnOffsets?: boolean;
  /** Leave spaces at a token's ends out of its offsets (HF `trim_offsets`; default false, as HF's GPT-2). */
  trimOffsets?: boolean;
  /** Include `wordIds` (always included with `isSplitIntoWords`). */
  returnWordIds?: boolean;
  /**
   * The input is pre-split words (`string[][]`, or one `string[]`): each word is tokenized on its
   * own, with a leading space except the first (also the first when `addPrefixSpace` is set, which
   * is what HF does — it requires `add_prefix_space=True` for this). Offsets are then relative to
   * each word and `wordIds` index the words.
   */
  isSplitIntoWords?: boolean;
}

/** HF-style names of the special tokens accepted by {@link GPT2Tokenizer.addSpecialTokens}. */
export interface SpecialTokensInput {
  bosToken?: AddedTokenInput;
  eosToken?: AddedTokenInput;
  unkToken?: AddedTokenInput;
  padToken?: AddedTokenInput;
  sepToken?: AddedTokenInput;
  clsToken?: AddedTokenInput;
  maskToken?: AddedTokenInput;
  additionalSpecialTokens?: AddedTokenInput[];
}

const NAMED = ['bos', 'eos', 'unk', 'pad', 'sep', 'cls', 'mask'] as const;
type Named = (typeof NAMED)[number];

/** GPT-2's byte-level BPE tokenizer (HF `GPT2Tokenizer` / `GPT2TokenizerFast`). */
export class GPT2Tokenizer implements TokenBytesSource {
  /** Behaviour settings (from `tokenizer_config.json`); mutable, saved by `savePretrained`. */
  readonly settings: TokenizerSettings;
  /** Other `tokenizer_config.json` keys, kept and written back. */
  readonly extraConfig: Record<string, unknown>;
  readonly engine: Engine;
  private readonly vocab: ReadonlyMap<string, number>;
  private mergesSource: readonly Merge[] | (() => readonly Merge[]);
  private readonly idToTokenBase: string[] = [];
  private readonly idBytes: Uint8Array[] = [];
  private readonly added = new AddedVocabulary();
  private readonly addedBytes = new Map<number, Uint8Array>();
  private readonly special: SpecialTokens;
  private maxId = -1;
  private bpeModel: ByteLevelBPE | undefined;
  private gpt2Known: boolean | undefined;

  constructor(data: TokenizerData, options: TokenizerOptions = {}) {
    this.vocab = data.vocab;
    this.mergesSource = data.merges;
    this.settings = { ...DEFAULT_SETTINGS, ...data.settings };
    this.extraConfig = { ...data.extraConfig };
    this.special = { ...data.specialTokens, additional: [...data.specialTokens.additional] };
    this.gpt2Known = data.isGpt2;
    const enc = new TextEncoder();
    for (const [token, id] of data.vocab) {
      this.idToTokenBase[id] = token;
      this.idBytes[id] = byteLevelToBytes(token) ?? enc.encode(token);
      if (id > this.maxId) this.maxId = id;
    }
    for (const [id, token] of data.addedTokens) this.registerAdded(id, token);
    this.engine = options.engine ?? 'bpe';
    if (this.engine === 'gpt-tokenizer' && !this.isGpt2Vocabulary) {
      throw new Error(
        `engine 'gpt-tokenizer' encodes GPT-2's vocabulary only; this tokenizer's vocab/merges differ`,
      );
    }
  }

  /** GPT-2's tokenizer (HF `gpt2`), from gpt-tokenizer's r50k_base data: no files needed. */
  static gpt2(options: TokenizerOptions = {}): GPT2Tokenizer {
    const vocab = new Map(gpt2Vocab());
    vocab.set(GPT2_EOS, GPT2_EOS_ID);
    const eot = toAddedToken({ content: GPT2_EOS, special: true, normalized: true }, true);
    return new GPT2Tokenizer(
      {
        vocab,
        merges: gpt2Merges,
        addedTokens: [[GPT2_EOS_ID, eot]],
        specialTokens: { bos: GPT2_EOS, eos: GPT2_EOS, unk: GPT2_EOS, additional: [] },
        settings: { ...DEFAULT_SETTINGS, modelMaxLength: GPT2_MODEL_MAX_LENGTH },
        extraConfig: { errors: 'replace', tokenizer_class: 'GPT2Tokenizer' },
        isGpt2: true,
      },
      options,
    );
  }

  /**
   * Loads a tokenizer from a local folder in HF layout, or from a hub repo id (downloaded into
   * the HF cache by `@gptft/hub`). Reads `vocab.json` + `merges.txt` (or `tokenizer.json`),
   * `tokenizer_config.json`, `special_tokens_map.json` and `added_tokens.json`.
   */
  static async fromPretrained(
    pathOrRepoId: string,
    options: FromPretrainedOptions = {},
  ): Promise<GPT2Tokenizer> {
    const { engine, ...hub } = options;
    const dir = await resolvePretrained(pathOrRepoId, {
      ...hub,
      allowPatterns: [
        'vocab.json',
        'merges.txt',
        'tokenizer_config.json',
        'special_tokens_map.json',
        'added_tokens.json',
        'tokenizer.json',
      ],
    });
    return new GPT2Tokenizer(await readTokenizerFolder(dir), { engine });
  }

  /**
   * Writes `vocab.json`, `merges.txt`, `tokenizer_config.json`, `special_tokens_map.json` and (if
   * there are tokens beyond the vocabulary) `added_tokens.json` into `dir`, each file atomically,
   * in the layout HF's `GPT2Tokenizer`/`GPT2TokenizerFast` load. A stale `tokenizer.json` in `dir`
   * is removed (HF would prefer it). Returns the paths written.
   */
  async savePretrained(dir: string): Promise<string[]> {
    return writeTokenizerFolder(dir, this.toData());
  }

  /** The tokenizer's full state (what `savePretrained` writes). */
  toData(): TokenizerData {
    return {
      vocab: this.vocab,
      merges: this.merges,
      addedTokens: this.added.entries(),
      specialTokens: { ...this.special, additional: [...this.special.additional] },
      settings: { ...this.settings },
      extraConfig: { ...this.extraConfig },
      isGpt2: this.gpt2Known,
    };
  }

  // ---- vocabulary ------------------------------------------------------------------------

  /** The merge rules in rank order. */
  get merges(): readonly Merge[] {
    if (typeof this.mergesSource === 'function') this.mergesSource = this.mergesSource();
    return this.mergesSource;
  }

  /** True when vocab and merges are exactly GPT-2's (computed once). */
  get isGpt2Vocabulary(): boolean {
    this.gpt2Known ??= isGpt2Vocabulary(this.vocab, this.merges);
    return this.gpt2Known;
  }

  /**
   * Number of token ids (highest id + 1), added tokens included: the embedding size a model
   * needs (HF's `len(tokenizer)`; note HF's `vocab_size` excludes added tokens — see `baseVocabSize`).
   */
  get vocabSize(): number {
    return this.maxId + 1;
  }

  /** Same as {@link vocabSize}. */
  get length(): number {
    return this.maxId + 1;
  }

  /** Entries of `vocab.json` (HF's `vocab_size`: 50257 for GPT-2). */
  get baseVocabSize(): number {
    return this.vocab.size;
  }

  /** Every token (byte-level strings and added tokens) → id. */
  getVocab(): Map<string, number> {
    const out = new Map(this.vocab);
    for (const [id, t] of this.added.entries()) out.set(t.content, id);
    return out;
  }

  /** Added tokens by id (special tokens such as `<|endoftext|>` included). */
  get addedTokens(): [number, AddedToken][] {
    return this.added.entries();
  }

  /** Id of a token string (byte-level form, `"Ġthe"`, or an added token), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.added.idOf(token) ?? this.vocab.get(token);
  }

  /** Token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.added.get(id)?.content ?? this.idToTokenBase[id];
  }

  convertTokensToIds(tokens: readonly string[]): number[] {
    return tokens.map((t) => {
      const id = this.tokenToId(t);
      if (id !== undefined) return id;
      const unk = this.unkTokenId;
      if (unk === undefined)
        throw new Error(`token ${JSON.stringify(t)} is not in the vocabulary and there is no unk token`);
      return unk;
    });
  }

  convertIdsToTokens(ids: readonly number[]): string[] {
    return ids.map((id) => {
      const t = this.idToToken(id);
      if (t === undefined)
        throw new RangeError(`token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
      return t;
    });
  }

  /** The UTF-8 bytes of a token id. */
  tokenBytes(id: number): Uint8Array {
    const b = this.addedBytes.get(id) ?? this.idBytes[id];
    if (b === undefined) {
      throw new RangeError(`token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    }
    return b;
  }

  isSpecialId(id: number): boolean {
    return this.added.get(id)?.special ?? false;
  }

  private registerAdded(id: number, token: AddedToken): void {
    this.added.set(id, token);
    this.addedBytes.set(id, new TextEncoder().encode(token.content));
    if (id > this.maxId) this.maxId = id;
  }

  /**
   * Adds tokens matched as whole strings before BPE (HF `add_tokens`). A token already in the
   * vocabulary keeps its id; a new one gets the next id. Returns how many new ids were created
   * (resize the model's embeddings to {@link vocabSize} afterwards).
   */
  addTokens(tokens: AddedTokenInput | readonly AddedTokenInput[], special = false): number {
    let count = 0;
    const list = Array.isArray(tokens) ? tokens : [tokens as AddedTokenInput];
    for (const input of list) {
      const token = toAddedToken(input, special);
      const addedId = this.added.idOf(token.content);
      if (addedId !== undefined) {
        // Already added: HF leaves it unchanged, except that it can become special.
        const old = this.added.get(addedId)!;
        if (token.special && !old.special) this.registerAdded(addedId, { ...old, special: true });
        continue;
      }
      const vocabId = this.vocab.get(token.content);
      if (vocabId !== undefined) {
        this.registerAdded(vocabId, token);
        continue;
      }
      this.registerAdded(this.maxId + 1, token);
      count++;
    }
    return count;
  }

  /**
   * Sets named special tokens and adds them (HF `add_special_tokens`): e.g.
   * `{ padToken: '<|pad|>', additionalSpecialTokens: ['<|im_start|>', '<|im_end|>'] }`.
   * `additionalSpecialTokens` replaces the current list unless `replaceAdditional` is false.
   * Returns how many new ids were created.
   */
  addSpecialTokens(tokens: SpecialTokensInput, replaceAdditional = true): number {
    let count = 0;
    for (const name of NAMED) {
      const input = tokens[`${name}Token` as const];
      if (input === undefined) continue;
      count += this.addTokens([input], true);
      this.special[name] = typeof input === 'string' ? input : input.content;
    }
    if (tokens.additionalSpecialTokens) {
      count += this.addTokens(tokens.additionalSpecialTokens, true);
      const contents = tokens.additionalSpecialTokens.map((t) => (typeof t === 'string' ? t : t.content));
      this.special.additional = replaceAdditional
        ? contents
        : [...this.special.additional, ...contents.filter((c) => !this.special.additional.includes(c))];
    }
    return count;
  }

  // ---- special tokens --------------------------------------------------------------------

  private named(name: Named): string | undefined {
    return this.special[name];
  }

  private setNamed(name: Named, token: string | undefined): void {
    if (token !== undefined && this.tokenToId(token) === undefined) {
      throw new Error(
        `${name}Token ${JSON.stringify(token)} is not in the vocabulary; add it with addSpecialTokens({ ${name}Token: … })`,
      );
    }
    if (token === undefined) delete this.special[name];
    else {
      this.special[name] = token;
      const id = this.tokenToId(token)!;
      const existing = this.added.get(id);
      if (!existing?.special)
        this.registerAdded(id, { ...(existing ?? toAddedToken(token, true)), special: true });
    }
  }

  get bosToken(): string | undefined {
    return this.named('bos');
  }
  set bosToken(t: string | undefined) {
    this.setNamed('bos', t);
  }
  get eosToken(): string | undefined {
    return this.named('eos');
  }
  set eosToken(t: string | undefined) {
    this.setNamed('eos', t);
  }
  get unkToken(): string | undefined {
    return this.named('unk');
  }
  set unkToken(t: string | undefined) {
    this.setNamed('unk', t);
    this.bpeModel = undefined;
  }
  /** The explicitly set pad token (GPT-2 has none); padding uses {@link padTokenId}. */
  get padToken(): string | undefined {
    return this.named('pad');
  }
  set padToken(t: string | undefined) {
    this.setNamed('pad', t);
  }
  get bosTokenId(): number | undefined {
    return this.idOfNamed('bos');
  }
  get eosTokenId(): number | undefined {
    return this.idOfNamed('eos');
  }
  get unkTokenId(): number | undefined {
    return this.idOfNamed('unk');
  }
  /** The pad token's id; without a pad token, the eos token's (50256 for GPT-2), as HF users set it. */
  get padTokenId(): number | undefined {
    return this.idOfNamed('pad') ?? this.eosTokenId;
  }
  /** HF's `additional_special_tokens`. */
  get additionalSpecialTokens(): string[] {
    return [...this.special.additional];
  }
  /** Every special token (named, additional, and added tokens flagged special). */
  get allSpecialTokens(): string[] {
    return this.added
      .entries()
      .filter(([, t]) => t.special)
      .map(([, t]) => t.content);
  }
  get allSpecialIds(): number[] {
    return this.added
      .entries()
      .filter(([, t]) => t.special)
      .map(([id]) => id);
  }
  private idOfNamed(name: Named): number | undefined {
    const t = this.special[name];
    return t === undefined ? undefined : this.tokenToId(t);
  }

  /** HF `chat_template` from `tokenizer_config.json` (rendering lives with the chat code). */
  get chatTemplate(): TokenizerSettings['chatTemplate'] {
    return this.settings.chatTemplate;
  }
  set chatTemplate(t: TokenizerSettings['chatTemplate']) {
    this.settings.chatTemplate = t;
  }
  get modelMaxLength(): number | undefined {
    return this.settings.modelMaxLength;
  }

  // ---- encoding --------------------------------------------------------------------------

  private get bpe(): ByteLevelBPE {
    this.bpeModel ??= new ByteLevelBPE(this.vocab, this.merges, { unkTokenId: this.unkTokenId });
    return this.bpeModel;
  }

  /** Ids of plain text (no added tokens in it). */
  private encodePlain(text: string, out: number[]): void {
    if (this.engine === 'gpt-tokenizer' && !JS_WHITESPACE_MISMATCH.test(text)) {
      for (const id of r50kEncode(text)) out.push(id);
      return;
    }
    const bpe = this.bpe;
    const re = new RegExp(GPT2_SPLIT_REGEX);
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const ids = bpe.encodeChunk(m[0]);
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    }
  }

  private encodeChunk(chunk: string): readonly number[] {
    if (this.engine === 'gpt-tokenizer' && !JS_WHITESPACE_MISMATCH.test(chunk)) return r50kEncode(chunk);
    return this.bpe.encodeChunk(chunk);
  }

  /**
   * Encodes one text (or one word, `prefix` = a space to put before it). With `detail`, also the
   * offsets (relative to the text, the added space excluded) and the chunk index of every token.
   */
  private encodeRow(
    text: string,
    allowed: AllowedSpecial,
    prefix: boolean,
    detail: boolean,
    trim = false,
    word?: number,
  ): RowEncoding {
    const shift = prefix ? 1 : 0;
    if (prefix) text = ' ' + text;
    const ids: number[] = [];
    const row: RowEncoding = { ids };
    const offsets: [number, number][] = [];
    const wordIds: (number | null)[] = [];
    let chunkIndex = 0;
    for (const seg of this.added.split(text, allowed)) {
      if (seg.id !== undefined) {
        ids.push(seg.id);
        if (detail) {
          offsets.push([seg.start, seg.end]);
          wordIds.push(word ?? chunkIndex++);
        }
        continue;
      }
      const piece = text.slice(seg.start, seg.end);
      if (!detail) {
        this.encodePlain(piece, ids);
        continue;
      }
      const re = new RegExp(GPT2_SPLIT_REGEX);
      for (let m = re.exec(piece); m !== null; m = re.exec(piece)) {
        const chunkIds = this.encodeChunk(m[0]);
        tokenSpans(
          m[0],
          chunkIds.map((id) => this.tokenBytes(id)),
          seg.start + m.index,
          trim,
          offsets,
        );
        for (const id of chunkIds) {
          ids.push(id);
          wordIds.push(word ?? chunkIndex);
        }
        chunkIndex++;
      }
    }
    if (detail) {
      row.offsets = shift
        ? offsets.map(([s, e]) => [Math.max(0, s - shift), Math.max(0, e - shift)])
        : offsets;
      row.wordIds = wordIds;
    }
    return row;
  }

  /** Puts bos/eos around a row when the tokenizer adds them. */
  private addSpecials(row: RowEncoding, add: boolean): RowEncoding {
    if (!add) return row;
    const bos = this.settings.addBosToken ? this.bosTokenId : undefined;
    const eos = this.settings.addEosToken ? this.eosTokenId : undefined;
    if (bos !== undefined) {
      row.ids.unshift(bos);
      row.offsets?.unshift([0, 0]);
      row.wordIds?.unshift(null);
    }
    if (eos !== undefined) {
      row.ids.push(eos);
      row.offsets?.push([0, 0]);
      row.wordIds?.push(null);
    }
    return row;
  }

  private numSpecialsToAdd(add: boolean): number {
    if (!add) return 0;
    return (
      (this.settings.addBosToken && this.bosTokenId !== undefined ? 1 : 0) +
      (this.settings.addEosToken && this.eosTokenId !== undefined ? 1 : 0)
    );
  }

  /** GPT-2 token ids of a text. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const row = this.encodeRow(text, options.allowedSpecial ?? 'none', this.settings.addPrefixSpace, false);
    return this.addSpecials(row, options.addSpecialTokens ?? true).ids;
  }

  /**
   * Ids of a text with each token's offsets and word (pre-tokenization chunk) index. Offsets
   * include a token's leading space (`" world"` → the span of ` world`), as HF's GPT-2 gives
   * them, unless `trimOffsets`.
   */
  encodeWithOffsets(text: string, options: EncodeOptions & { trimOffsets?: boolean } = {}): Encoding {
    const allowed = options.allowedSpecial ?? 'none';
    const trim = options.trimOffsets ?? false;
    const row = this.encodeRow(text, allowed, this.settings.addPrefixSpace, true, trim);
    this.addSpecials(row, options.addSpecialTokens ?? true);
    return { ids: row.ids, offsets: row.offsets!, wordIds: row.wordIds! };
  }

  /** The token strings of a text (byte-level form: `"Ġworld"`), HF's `tokenize`. */
  tokenize(text: string, options: Pick<EncodeOptions, 'allowedSpecial'> = {}): string[] {
    return this.convertIdsToTokens(this.encode(text, { ...options, addSpecialTokens: false }));
  }

  /**
   * Encodes a batch (HF `tokenizer(texts, …)`): truncation, padding (pad id = {@link padTokenId}),
   * attention masks, and optionally offsets and word ids. A single string is a batch of one.
   */
  call(
    texts: string | readonly string[] | readonly (readonly string[])[],
    options: CallOptions = {},
  ): BatchEncoding {
    const allowed = options.allowedSpecial ?? 'none';
    const addSpecial = options.addSpecialTokens ?? true;
    const words = options.isSplitIntoWords ?? false;
    const withOffsets = options.returnOffsets ?? false;
    const withWordIds = words || (options.returnWordIds ?? false);
    const detail = withOffsets || withWordIds;
    const trim = options.trimOffsets ?? false;
    let rows: RowEncoding[];
    if (words) {
      const batch = (
        typeof texts === 'string'
          ? [[texts]]
          : texts.length > 0 && typeof texts[0] === 'string'
            ? [texts as readonly string[]]
            : texts
      ) as readonly (readonly string[])[];
      rows = batch.map((ws) => {
        if (!Array.isArray(ws)) throw new TypeError('isSplitIntoWords expects string[] or string[][]');
        const row: RowEncoding = { ids: [], offsets: [], wordIds: [] };
        ws.forEach((w: string, i: number) => {
          const r = this.encodeRow(w, allowed, i > 0 || this.settings.addPrefixSpace, true, trim, i);
          row.ids.push(...r.ids);
          row.offsets!.push(...r.offsets!);
          row.wordIds!.push(...r.wordIds!);
        });
        return row;
      });
    } else {
      const batch = typeof texts === 'string' ? [texts] : (texts as readonly string[]);
      rows = batch.map((t) => {
        if (typeof t !== 'string')
          throw new TypeError('call expects string | string[] (use isSplitIntoWords for string[][])');
        return this.encodeRow(t, allowed, this.settings.addPrefixSpace, detail, trim);
      });
    }
    const truncation = options.truncation ?? false;
    const maxLength = options.maxLength ?? this.settings.modelMaxLength;
    if (truncation !== false && truncation !== 'do_not_truncate') {
      if (maxLength === undefined)
        throw new Error('truncation needs maxLength (this tokenizer has no model_max_length)');
      const limit = maxLength - this.numSpecialsToAdd(addSpecial);
      if (limit < 0) throw new Error(`maxLength ${maxLength} leaves no room for the special tokens`);
      for (const row of rows) truncateRow(row, limit, options.truncationSide ?? this.settings.truncationSide);
    }
    for (const row of rows) this.addSpecials(row, addSpecial);
    const padding = options.padding === true ? 'longest' : (options.padding ?? false);
    let length = 0;
    if (padding === 'longest') length = Math.max(0, ...rows.map((r) => r.ids.length));
    else if (padding === 'max_length') {
      if (maxLength === undefined)
        throw new Error("padding 'max_length' needs maxLength (this tokenizer has no model_max_length)");
      length = maxLength;
    }
    if (options.padToMultipleOf && padding !== false && padding !== 'do_not_pad') {
      length = Math.ceil(length / options.padToMultipleOf) * options.padToMultipleOf;
    }
    const padId = this.padTokenId;
    if (padId === undefined && rows.some((r) => r.ids.length < length)) {
      throw new Error('padding needs a pad token: set tokenizer.padToken (or an eos token)');
    }
    return padBatch(rows, {
      length,
      side: options.paddingSide ?? this.settings.paddingSide,
      padId: padId ?? 0,
      withOffsets,
      withWordIds,
    });
  }

  // ---- decoding --------------------------------------------------------------------------

  /** Text of some ids (HF `decode`). Bytes that are not valid UTF-8 become U+FFFD. */
  decode(ids: Iterable<number>, options: DecodeOptions = {}): string {
    const bytes = idsToBytes(this, ids, options.skipSpecialTokens ?? false);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const clean = options.cleanUpTokenizationSpaces ?? this.settings.cleanUpTokenizationSpaces;
    return clean ? cleanUpTokenization(text) : text;
  }

  /** `decode` for every row. */
  batchDecode(batch: Iterable<Iterable<number>>, options: DecodeOptions = {}): string[] {
    return [...batch].map((ids) => this.decode(ids, options));
  }

  /** A decoder for ids that arrive one by one: it only ever returns complete characters. */
  createStreamDecoder(options: Pick<DecodeOptions, 'skipSpecialTokens'> = {}): StreamDecoder {
    return new StreamDecoder(this, options);
  }
}
