/**
 * The vocabulary side of a tokenizer: base BPE tokens and their bytes, added tokens, named special
 * tokens, ids ↔ tokens, and the settings read from `tokenizer_config.json`. `GPT2Tokenizer`
 * builds encoding and decoding on top of it.
 */
import { type AddedToken, type AddedTokenInput, AddedVocabulary, toAddedToken } from './added-tokens.js';
import type { Merge } from './bpe.js';
import { byteLevelToBytes } from './byte-level.js';
import type { SpecialTokensInput } from './options.js';
import { isGpt2Vocabulary } from './r50k.js';
import type { TokenBytesSource } from './stream-decoder.js';
import {
  DEFAULT_SETTINGS,
  type SpecialTokens,
  type TokenizerData,
  type TokenizerSettings,
} from './tokenizer-data.js';

const NAMED = ['bos', 'eos', 'unk', 'pad', 'sep', 'cls', 'mask'] as const;
type Named = (typeof NAMED)[number];

/** Tokens, ids and special tokens of a byte-level BPE tokenizer (HF's `PreTrainedTokenizer` base). */
export class TokenizerVocabulary implements TokenBytesSource {
  /** Behaviour settings (from `tokenizer_config.json`); mutable, saved by `savePretrained`. */
  readonly settings: TokenizerSettings;
  /** Other `tokenizer_config.json` keys, kept and written back. */
  readonly extraConfig: Record<string, unknown>;
  protected readonly vocab: ReadonlyMap<string, number>;
  protected mergesSource: readonly Merge[] | (() => readonly Merge[]);
  protected readonly idToTokenBase: string[] = [];
  protected readonly idBytes: Uint8Array[] = [];
  protected readonly added = new AddedVocabulary();
  protected readonly addedBytes = new Map<number, Uint8Array>();
  protected readonly special: SpecialTokens;
  protected maxId = -1;
  protected gpt2Known: boolean | undefined;

  constructor(data: TokenizerData) {
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
  }

  /** Called when the unk token changes (the BPE model maps unknown symbols to it). */
  protected onUnkTokenChange(): void {}

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

  protected registerAdded(id: number, token: AddedToken): void {
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

  protected named(name: Named): string | undefined {
    return this.special[name];
  }

  protected setNamed(name: Named, token: string | undefined): void {
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
    this.onUnkTokenChange();
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
  protected idOfNamed(name: Named): number | undefined {
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
}
