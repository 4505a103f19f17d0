/**
 * Added tokens (HF's `AddedToken`): whole strings with their own id that are cut out of the text
 * before BPE runs, longest first, as HF's tokenizers do. `<|endoftext|>` is one (special); a
 * fine-tune's new tokens (`<|im_start|>`, domain words) are others.
 */
import { WHITE_SPACE_CLASS } from './pretokenize.js';

/** How an added token is matched (HF `AddedToken` fields, camelCase). */
export interface AddedTokenOptions {
  /** Special tokens are control tokens: skipped by `decode(…, { skipSpecialTokens })`, and matched in text only when allowed. */
  special?: boolean;
  /** Also swallow the whitespace on its left. */
  lstrip?: boolean;
  /** Also swallow the whitespace on its right. */
  rstrip?: boolean;
  /** Match only when not inside a word. */
  singleWord?: boolean;
  /** HF's `normalized` flag; GPT-2 has no normalizer, so it is only kept and saved. */
  normalized?: boolean;
}

/** An added token: its text and how it is matched. */
export interface AddedToken extends Required<AddedTokenOptions> {
  readonly content: string;
}

/** A string, or a token with options, as accepted by `addTokens`. */
export type AddedTokenInput = string | ({ content: string } & AddedTokenOptions);

/** Normalizes an {@link AddedTokenInput}; `special` defaults to `defaultSpecial`. */
export function toAddedToken(input: AddedTokenInput, defaultSpecial: boolean): AddedToken {
  const t = typeof input === 'string' ? { content: input } : input;
  if (typeof t.content !== 'string' || t.content.length === 0) {
    throw new Error(`an added token must be a non-empty string (got ${JSON.stringify(t.content)})`);
  }
  const special = t.special ?? defaultSpecial;
  return {
    content: t.content,
    special,
    lstrip: t.lstrip ?? false,
    rstrip: t.rstrip ?? false,
    singleWord: t.singleWord ?? false,
    // HF: special tokens are not normalized by default, other added tokens are.
    normalized: t.normalized ?? !special,
  };
}

/** Which special tokens a text may contain as special tokens. */
export type AllowedSpecial = 'all' | 'none' | ReadonlySet<string> | readonly string[];

/** A piece of the text: plain text (`id` undefined) or one added token. */
export interface Segment {
  /** UTF-16 start in the text (for an added token: of its content, stripped whitespace excluded). */
  start: number;
  /** UTF-16 end. */
  end: number;
  /** The added token's id, or undefined for plain text to run BPE on. */
  id?: number;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const WORD_CHAR = '[\\p{L}\\p{N}_]';

/** The added tokens of a tokenizer, by id and content, and the splitting of text on them. */
export class AddedVocabulary {
  private readonly byId = new Map<number, AddedToken>();
  private readonly byContent = new Map<string, number>();
  private readonly regexCache = new Map<string, RegExp | null>();

  /** The tokens, in id order. */
  entries(): [number, AddedToken][] {
    return [...this.byId].sort((a, b) => a[0] - b[0]);
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: number): AddedToken | undefined {
    return this.byId.get(id);
  }

  idOf(content: string): number | undefined {
    return this.byContent.get(content);
  }

  /** Registers (or replaces the options of) a token at an id. */
  set(id: number, token: AddedToken): void {
    const previous = this.byContent.get(token.content);
    if (previous !== undefined && previous !== id) {
      throw new Error(`added token ${JSON.stringify(token.content)} already has id ${previous}, not ${id}`);
    }
    const old = this.byId.get(id);
    if (old && old.content !== token.content) {
      throw new Error(`id ${id} already belongs to added token ${JSON.stringify(old.content)}`);
    }
    this.byId.set(id, token);
    this.byContent.set(token.content, id);
    this.regexCache.clear();
  }

  /**
   * Cuts `text` into plain-text pieces and added tokens. Non-special added tokens are always
   * matched; special ones only when `allowed` lets them (`'all'`, or a set of their contents).
   * At each position the longest token wins, and the earliest position first.
   */
  split(text: string, allowed: AllowedSpecial): Segment[] {
    const re = this.regex(allowed);
    if (re === null) return text.length > 0 ? [{ start: 0, end: text.length }] : [];
    const segments: Segment[] = [];
    let last = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const matched = m[0];
      const { id, offset, length } = this.identify(matched);
      const start = m.index;
      if (start > last) segments.push({ start: last, end: start });
      segments.push({ id, start: start + offset, end: start + offset + length });
      last = start + matched.length;
    }
    if (last < text.length) segments.push({ start: last, end: text.length });
    return segments;
  }

  /** Which token a match is, and where its content lies inside the match (strip whitespace). */
  private identify(matched: string): { id: number; offset: number; length: number } {
    const direct = this.byContent.get(matched);
    if (direct !== undefined) return { id: direct, offset: 0, length: matched.length };
    const lead = matched.length - matched.replace(new RegExp(`^[${WHITE_SPACE_CLASS}]+`, 'u'), '').length;
    const trail = matched.length - matched.replace(new RegExp(`[${WHITE_SPACE_CLASS}]+$`, 'u'), '').length;
    for (const [offset, end] of [
      [lead, matched.length],
      [0, matched.length - trail],
      [lead, matched.length - trail],
    ]) {
      const id = this.byContent.get(matched.slice(offset, end));
      if (id !== undefined) return { id, offset, length: end - offset };
    }
    throw new Error(`internal error: no added token for match ${JSON.stringify(matched)}`);
  }

  private regex(allowed: AllowedSpecial): RegExp | null {
    const key = allowed === 'all' || allowed === 'none' ? allowed : JSON.stringify([...allowed].sort());
    const cached = this.regexCache.get(key);
    if (cached !== undefined) return cached;
    const allowedSet = typeof allowed === 'string' ? undefined : new Set(allowed);
    const active = [...this.byId.values()].filter(
      (t) => !t.special || allowed === 'all' || (allowedSet?.has(t.content) ?? false),
    );
    if (allowedSet) {
      for (const content of allowedSet) {
        const id = this.byContent.get(content);
        if (id === undefined || !this.byId.get(id)!.special) {
          throw new Error(`allowedSpecial names ${JSON.stringify(content)}, which is not a special token`);
        }
      }
    }
    // Longest first: at a given position the alternation then takes the longest token.
    active.sort((a, b) => b.content.length - a.content.length);
    const ws = `[${WHITE_SPACE_CLASS}]*`;
    const alternatives = active.map((t) => {
      let p = escapeRegExp(t.content);
      if (t.singleWord) p = `(?<!${WORD_CHAR})${p}(?!${WORD_CHAR})`;
      if (t.lstrip) p = ws + p;
      if (t.rstrip) p = p + ws;
      return p;
    });
    const re = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'gu') : null;
    this.regexCache.set(key, re);
    return re;
  }
}
