/**
 * NLTK's Punkt sentence splitter at tokenization time (`nltk.tokenize.punkt.PunktSentenceTokenizer`
 * 3.8 with the default English `PunktLanguageVars`), the splitter behind `nltk.sent_tokenize` and
 * rouge-score's `split_summaries=True`. Training (`PunktTrainer`) is not ported: the parameters come
 * from NLTK's files (see {@link punktParametersFromTab}) or are empty (an untrained splitter).
 */
import { MetricInputError } from './errors.js';
import { PY_WS_CLASS, pyRstrip, pyStrip } from './python-compat.js';

// Orthographic context flags (BEG = sentence start, MID = inside, UNK = unknown; UC/LC = case).
const ORTHO_BEG_UC = 1 << 1;
const ORTHO_MID_UC = 1 << 2;
const ORTHO_UNK_UC = 1 << 3;
const ORTHO_BEG_LC = 1 << 4;
const ORTHO_MID_LC = 1 << 5;
const ORTHO_UNK_LC = 1 << 6;
const ORTHO_UC = ORTHO_BEG_UC + ORTHO_MID_UC + ORTHO_UNK_UC;
const ORTHO_LC = ORTHO_BEG_LC + ORTHO_MID_LC + ORTHO_UNK_LC;

/** `PunktParameters`: what training learned. Types are lowercased; numbers are `##number##`. */
export interface PunktParameters {
  /** Abbreviations, without their final period (`'dr'`, `'u.s'`). */
  abbrevTypes: ReadonlySet<string>;
  /** Word pairs whose first word ends in a period and which do not break (`'s' + ' ' + 'bach'`), keyed `a\tb`. */
  collocations: ReadonlySet<string>;
  /** Words that often start a sentence. */
  sentStarters: ReadonlySet<string>;
  /** Word type → orthographic context flags. */
  orthoContext: ReadonlyMap<string, number>;
}

/** Empty parameters: NLTK's `PunktSentenceTokenizer()` without training. */
export const EMPTY_PUNKT_PARAMETERS: PunktParameters = {
  abbrevTypes: new Set(),
  collocations: new Set(),
  sentStarters: new Set(),
  orthoContext: new Map(),
};

const nonEmptyLines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0);

/**
 * Parameters from the text of NLTK's `punkt_tab` files (`nltk_data/tokenizers/punkt_tab/<lang>/`:
 * `abbrev_types.txt`, `collocations.tab`, `sent_starters.txt`, `ortho_context.tab`), which are what
 * `nltk.sent_tokenize` loads in NLTK ≥ 3.8.2. Pass the file contents; a malformed line is an error
 * naming the file and line.
 */
export function punktParametersFromTab(files: {
  abbrevTypes: string;
  collocations: string;
  sentStarters: string;
  orthoContext: string;
}): PunktParameters {
  const collocations = new Set<string>();
  nonEmptyLines(files.collocations).forEach((l, i) => {
    const parts = l.split('\t');
    if (parts.length !== 2) {
      throw new MetricInputError(
        `collocations.tab line ${i + 1}: expected two tab-separated words, got ${JSON.stringify(l)}`,
      );
    }
    collocations.add(`${parts[0]}\t${parts[1]}`);
  });
  const orthoContext = new Map<string, number>();
  nonEmptyLines(files.orthoContext).forEach((l, i) => {
    const parts = l.split('\t');
    const flags = Number(parts[1]);
    if (parts.length !== 2 || !Number.isInteger(flags)) {
      throw new MetricInputError(
        `ortho_context.tab line ${i + 1}: expected "word<TAB>integer", got ${JSON.stringify(l)}`,
      );
    }
    orthoContext.set(parts[0]!, flags);
  });
  return {
    abbrevTypes: new Set(nonEmptyLines(files.abbrevTypes)),
    collocations,
    sentStarters: new Set(nonEmptyLines(files.sentStarters)),
    orthoContext,
  };
}

// ------------------------------------------------------------------ PunktLanguageVars (English)
// Python's \s / \S (str.isspace), \d (Unicode Nd) and [^\W\d] (letters, _, other numerics).
const S = `[${PY_WS_CLASS}]`;
const NS = `[^${PY_WS_CLASS}]`;
const ALPHA = '[\\p{L}\\p{Nl}\\p{No}_]';
const NON_WORD = `(?:[)";}\\]*:@'({[?!])`;
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${S}){2,}\\.)`;
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';
const WORD_TOKENIZER = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${NS}+?(?=${S}|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|${S}|${NON_WORD}|${MULTI_CHAR}))|${NS}`,
  'gu',
);
const PERIOD_CONTEXT = new RegExp(`[.?!](?=(?<after_tok>${NON_WORD}|${S}+(?<next_tok>${NS}+)))`, 'gud');
const BOUNDARY_REALIGNMENT = new RegExp(`["')\\]}]+?(?:${S}+|(?=--)|$)`, 'uy');
const RE_NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
const RE_INITIAL = new RegExp(`^${ALPHA}\\.$`, 'u');
const RE_ELLIPSIS = /^\.\.+$/u;
const SENT_END_CHARS = new Set(['.', '?', '!']);
const PUNCTUATION = new Set([';', ':', ',', '.', '!', '?']);
// string.whitespace (ASCII only), for _get_last_whitespace_index.
const ASCII_WS = new Set([' ', '\t', '\n', '\r', '\x0b', '\x0c']);

class Token {
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak = false;
  abbr = false;
  ellipsis = false;

  constructor(readonly tok: string) {
    this.type = tok.toLowerCase().replace(RE_NUMERIC, '##number##');
    this.periodFinal = tok.endsWith('.');
  }

  get typeNoPeriod(): string {
    return this.type.length > 1 && this.type.endsWith('.') ? this.type.slice(0, -1) : this.type;
  }

  get typeNoSentperiod(): string {
    return this.sentbreak ? this.typeNoPeriod : this.type;
  }

  private get first(): string {
    return String.fromCodePoint(this.tok.codePointAt(0)!);
  }

  get firstUpper(): boolean {
    return /^\p{Uppercase}$/u.test(this.first);
  }

  get firstLower(): boolean {
    return /^\p{Lowercase}$/u.test(this.first);
  }

  get isInitial(): boolean {
    return RE_INITIAL.test(this.tok);
  }
}

/**
 * NLTK's `PunktSentenceTokenizer` (tokenization only). `tokenize(text)` returns the sentences as
 * substrings of `text`, with closing quotes and brackets after a full stop kept in the sentence
 * (`realign_boundaries=True`).
 *
 * @example
 * new PunktSentenceTokenizer().tokenize('It rained. We stayed in! Did you?') // ['It rained.', 'We stayed in!', 'Did you?']
 */
export class PunktSentenceTokenizer {
  readonly params: PunktParameters;

  constructor(params: PunktParameters = EMPTY_PUNKT_PARAMETERS) {
    this.params = params;
  }

  /** The sentences of `text`. */
  tokenize(text: string): string[] {
    return this.spanTokenize(text).map(([s, e]) => text.slice(s, e));
  }

  /** `[start, end)` offsets (UTF-16) of the sentences of `text`. */
  spanTokenize(text: string): [number, number][] {
    if (typeof text !== 'string') throw new MetricInputError(`text is ${String(text)}: must be a string`);
    return this.realignBoundaries(text, this.slicesFromText(text));
  }

  // --------------------------------------------------------------- word tokens and annotation

  private tokenizeWords(plaintext: string): Token[] {
    const out: Token[] = [];
    for (const line of plaintext.split('\n')) {
      if (pyStrip(line) === '') continue;
      for (const m of line.matchAll(WORD_TOKENIZER)) out.push(new Token(m[0]));
    }
    return out;
  }

  private firstPass(tok: Token): void {
    const t = tok.tok;
    if (SENT_END_CHARS.has(t)) tok.sentbreak = true;
    else if (RE_ELLIPSIS.test(t)) tok.ellipsis = true;
    else if (tok.periodFinal && !t.endsWith('..')) {
      const stem = t.slice(0, -1).toLowerCase();
      const parts = stem.split('-');
      if (this.params.abbrevTypes.has(stem) || this.params.abbrevTypes.has(parts[parts.length - 1]!)) {
        tok.abbr = true;
      } else tok.sentbreak = true;
    }
  }

  private orthoHeuristic(tok: Token): boolean | 'unknown' {
    if (PUNCTUATION.has(tok.tok)) return false;
    const ctx = this.params.orthoContext.get(tok.typeNoSentperiod) ?? 0;
    if (tok.firstUpper && ctx & ORTHO_LC && !(ctx & ORTHO_MID_UC)) return true;
    if (tok.firstLower && (ctx & ORTHO_UC || !(ctx & ORTHO_BEG_LC))) return false;
    return 'unknown';
  }

  private secondPass(t1: Token, t2: Token | undefined): void {
    if (!t2 || !t1.periodFinal) return;
    const typ = t1.typeNoPeriod;
    const nextTyp = t2.typeNoSentperiod;
    const isInitial = t1.isInitial;
    if (this.params.collocations.has(`${typ}\t${nextTyp}`)) {
      t1.sentbreak = false;
      t1.abbr = true;
      return;
    }
    if ((t1.abbr || t1.ellipsis) && !isInitial) {
      const starter = this.orthoHeuristic(t2);
      if (starter === true) {
        t1.sentbreak = true;
        return;
      }
      if (t2.firstUpper && this.params.sentStarters.has(nextTyp)) {
        t1.sentbreak = true;
        return;
      }
    }
    if (isInitial || typ === '##number##') {
      const starter = this.orthoHeuristic(t2);
      if (starter === false) {
        t1.sentbreak = false;
        t1.abbr = true;
        return;
      }
      if (
        starter === 'unknown' &&
        isInitial &&
        t2.firstUpper &&
        !((this.params.orthoContext.get(nextTyp) ?? 0) & ORTHO_LC)
      ) {
        t1.sentbreak = false;
        t1.abbr = true;
      }
    }
  }

  /** `text_contains_sentbreak`: a sentence break followed by at least one more token. */
  private textContainsSentbreak(text: string): boolean {
    const tokens = this.tokenizeWords(text);
    for (const t of tokens) this.firstPass(t);
    let found = false;
    for (let i = 0; i < tokens.length; i++) {
      if (found) return true;
      this.secondPass(tokens[i]!, tokens[i + 1]);
      if (tokens[i]!.sentbreak) found = true;
    }
    return false;
  }

  // --------------------------------------------------------------- candidate breaks and slices

  /** `_match_potential_end_contexts`: each candidate break with the text around it. */
  private matchPotentialEndContexts(text: string): [RegExpExecArray, string][] {
    const out: [RegExpExecArray, string][] = [];
    let prevStart = 0;
    let prevStop = 0;
    let prevMatch: RegExpExecArray | undefined;
    const context = (m: RegExpExecArray) => text.slice(prevStart, prevStop) + m[0] + m.groups!.after_tok!;
    PERIOD_CONTEXT.lastIndex = 0;
    for (let m = PERIOD_CONTEXT.exec(text); m; m = PERIOD_CONTEXT.exec(text)) {
      const before = text.slice(prevStop, m.index);
      let idx = 0;
      for (let i = before.length - 1; i >= 0; i--) {
        if (ASCII_WS.has(before[i]!)) {
          idx = i;
          break;
        }
      }
      idx = idx ? idx + prevStop + 1 : prevStart;
      if (prevMatch && prevStop <= idx) out.push([prevMatch, context(prevMatch)]);
      prevMatch = m;
      prevStart = idx;
      prevStop = m.index;
    }
    if (prevMatch) out.push([prevMatch, context(prevMatch)]);
    return out;
  }

  private slicesFromText(text: string): [number, number][] {
    const out: [number, number][] = [];
    let lastBreak = 0;
    for (const [m, context] of this.matchPotentialEndContexts(text)) {
      if (this.textContainsSentbreak(context)) {
        const end = m.index + m[0].length;
        out.push([lastBreak, end]);
        lastBreak = m.groups!.next_tok ? m.indices!.groups!.next_tok![0] : end;
      }
    }
    out.push([lastBreak, pyRstrip(text).length]);
    return out;
  }

  private realignBoundaries(text: string, slices: [number, number][]): [number, number][] {
    const out: [number, number][] = [];
    let realign = 0;
    for (let i = 0; i < slices.length; i++) {
      const s1: [number, number] = [slices[i]![0] + realign, slices[i]![1]];
      const s2 = slices[i + 1];
      const nonEmpty = text.slice(s1[0], s1[1]).length > 0;
      if (!s2) {
        if (nonEmpty) out.push(s1);
        continue;
      }
      BOUNDARY_REALIGNMENT.lastIndex = 0;
      const m = BOUNDARY_REALIGNMENT.exec(text.slice(s2[0], s2[1]));
      if (m) {
        out.push([s1[0], s2[0] + pyRstrip(m[0]).length]);
        realign = m[0].length;
      } else {
        realign = 0;
        if (nonEmpty) out.push(s1);
      }
    }
    return out;
  }
}
