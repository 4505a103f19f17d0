/**
 * `GPT2Tokenizer`: GPT-2's byte-level BPE with HF's tokenizer API in camelCase — exact GPT-2 ids,
 * checkpoints' own vocabularies and added tokens, padding and truncation, offsets and word ids,
 * streaming decode.
 */
import { type Folder, isFolder, resolvePretrained, type WritableFolder } from '@gptft/hub';
import { type AllowedSpecial, toAddedToken } from './added-tokens.js';
import { type BatchEncoding, padBatch, type RowEncoding, truncateRow } from './batch.js';
import { ByteLevelBPE } from './bpe.js';
import {
  type ChatMessage,
  renderChat,
  renderChatWithAssistantSpans,
  resolveChatTemplate,
  spansToTokenMask,
  type TemplateContext,
} from './chat-template.js';
import { writeTokenizerFolder } from './hf-folder-write.js';
import { readTokenizerFolder, TOKENIZER_FILES } from './hf-folder.js';
import { tokenSpans } from './offsets.js';
import type {
  ApplyChatTemplateOptions,
  CallOptions,
  ChatEncoding,
  EncodeOptions,
  Encoding,
  Engine,
  FromPretrainedOptions,
  TokenizerOptions,
} from './options.js';
import { GPT2_SPLIT_REGEX, JS_WHITESPACE_MISMATCH } from './pretokenize.js';
import { GPT2_EOS, GPT2_EOS_ID, GPT2_MODEL_MAX_LENGTH, gpt2Merges, gpt2Vocab, r50kEncode } from './r50k.js';
import { cleanUpTokenization, type DecodeOptions, idsToBytes, StreamDecoder } from './stream-decoder.js';
import { DEFAULT_SETTINGS, type TokenizerData } from './tokenizer-data.js';
import { TokenizerVocabulary } from './vocabulary.js';

/** GPT-2's byte-level BPE tokenizer (HF `GPT2Tokenizer` / `GPT2TokenizerFast`). */
export class GPT2Tokenizer extends TokenizerVocabulary {
  readonly engine: Engine;
  private bpeModel: ByteLevelBPE | undefined;

  constructor(data: TokenizerData, options: TokenizerOptions = {}) {
    super(data);
    this.engine = options.engine ?? 'bpe';
    if (this.engine === 'gpt-tokenizer' && !this.isGpt2Vocabulary) {
      throw new Error(
        `engine 'gpt-tokenizer' encodes GPT-2's vocabulary only; this tokenizer's vocab/merges differ`,
      );
    }
  }

  protected override onUnkTokenChange(): void {
    this.bpeModel = undefined;
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
   * Loads a tokenizer from a local folder in HF layout, a hub repo id (downloaded into the HF cache
   * by `@gptft/hub`; in a page, fetched from its `resolve/` URL) or any `Folder` (a URL base,
   * dropped files, OPFS). Reads `vocab.json` + `merges.txt` (or `tokenizer.json`),
   * `tokenizer_config.json`, `special_tokens_map.json` and `added_tokens.json`.
   */
  static async fromPretrained(
    pathOrRepoId: string | Folder,
    options: FromPretrainedOptions = {},
  ): Promise<GPT2Tokenizer> {
    const { engine, ...hub } = options;
    if (isFolder(pathOrRepoId)) return new GPT2Tokenizer(await readTokenizerFolder(pathOrRepoId), { engine });
    const dir = await resolvePretrained(pathOrRepoId, {
      ...hub,
      allowPatterns: [...TOKENIZER_FILES],
    });
    return new GPT2Tokenizer(await readTokenizerFolder(dir), { engine });
  }

  /**
   * Writes `vocab.json`, `merges.txt`, `tokenizer_config.json`, `special_tokens_map.json` and (if
   * there are tokens beyond the vocabulary) `added_tokens.json` into `dir`, each file atomically,
   * in the layout HF's `GPT2Tokenizer`/`GPT2TokenizerFast` load. A stale `tokenizer.json` in `dir`
   * is removed (HF would prefer it). Returns the paths written.
   */
  async savePretrained(dir: string | WritableFolder): Promise<string[]> {
    return writeTokenizerFolder(dir, this.toData());
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

  // ---- chat templates --------------------------------------------------------------------

  /** The variables HF passes to a chat template besides the messages (its special_tokens_map). */
  private templateContext(): TemplateContext {
    const specialTokens: Record<string, unknown> = {};
    const names = ['bos', 'eos', 'unk', 'pad', 'sep', 'cls', 'mask'] as const;
    for (const n of names) {
      const t = this.special[n];
      if (t !== undefined) specialTokens[`${n}_token`] = t;
    }
    if (this.special.additional.length > 0)
      specialTokens.additional_special_tokens = [...this.special.additional];
    return { specialTokens };
  }

  /**
   * Renders a conversation with the chat template and (by default) tokenizes it, as HF's
   * `apply_chat_template`. The template is `options.chatTemplate`, else the tokenizer's
   * `chatTemplate` (from `tokenizer_config.json`), else ChatML. Special tokens in the rendered
   * text are matched as special tokens, and no bos/eos is added (the template writes them).
   *
   * - `tokenize: false` → the text.
   * - default → the ids.
   * - `returnDict: true` or `returnAssistantTokensMask: true` → `{ inputIds, attentionMask,
   *   assistantMasks? }`, where `assistantMasks[i]` is 1 for tokens of assistant replies (see
   *   {@link renderChatWithAssistantSpans} for templates without `{% generation %}`).
   */
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: ApplyChatTemplateOptions & { tokenize: false },
  ): string;
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: ApplyChatTemplateOptions & ({ returnDict: true } | { returnAssistantTokensMask: true }),
  ): ChatEncoding;
  applyChatTemplate(messages: readonly ChatMessage[], options?: ApplyChatTemplateOptions): number[];
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: ApplyChatTemplateOptions = {},
  ): string | number[] | ChatEncoding {
    const template = resolveChatTemplate(
      this.chatTemplate,
      options.chatTemplate,
      options.tools !== undefined,
    );
    const context = this.templateContext();
    const wantMask = options.returnAssistantTokensMask ?? false;
    if (options.tokenize === false) {
      if (wantMask) throw new Error('returnAssistantTokensMask needs tokenize (the mask is per token)');
      return renderChat(template, messages, options, context);
    }
    let text: string;
    let spans: [number, number][] | undefined;
    if (wantMask) {
      const r = renderChatWithAssistantSpans(template, messages, options, context);
      text = r.text;
      spans = r.assistantSpans;
    } else {
      text = renderChat(template, messages, options, context);
    }
    let ids: number[];
    let mask: number[] | undefined;
    if (spans) {
      const enc = this.encodeWithOffsets(text, { allowedSpecial: 'all', addSpecialTokens: false });
      ids = enc.ids;
      mask = spansToTokenMask(enc.offsets, spans);
    } else {
      ids = this.encode(text, { allowedSpecial: 'all', addSpecialTokens: false });
    }
    if (options.truncation) {
      const max = options.maxLength ?? this.modelMaxLength;
      if (max === undefined)
        throw new Error('truncation needs maxLength (this tokenizer has no model_max_length)');
      ids = ids.slice(0, max);
      mask = mask?.slice(0, max);
    }
    if (!options.returnDict && !wantMask) return ids;
    const out: ChatEncoding = { inputIds: ids, attentionMask: ids.map(() => 1) };
    if (mask) out.assistantMasks = mask;
    return out;
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
