/**
 * TER (translation edit rate, Snover et al. 2006) exactly as sacreBLEU 2.x computes it
 * (`sacrebleu.metrics.TER`, its `TercomTokenizer` and the beam edit distance with Tercom's shift
 * heuristics from `sacrebleu/metrics/lib_ter.py`).
 */
import { MetricInputError } from './errors.js';
import { pyRstrip, pySplit } from './python-compat.js';
import { formatScore, formatSignature, segmentsOf, yesNo } from './sacrebleu-common.js';

/** Options of {@link corpusTer}; the defaults are sacreBLEU's `TER()`. */
export interface TerOptions {
  /** Tercom normalization: XML entities, punctuation split off, `'s` separated. Default false. */
  normalized?: boolean;
  /** Remove punctuation `.,?:;!"()` (and CJK punctuation with `asianSupport`). Default false. */
  noPunct?: boolean;
  /** With `normalized`, split CJK characters; with `noPunct`, remove CJK punctuation. Default false. */
  asianSupport?: boolean;
  /** Keep case. Default false: TER lowercases. */
  caseSensitive?: boolean;
}

/** A TER result with sacreBLEU's fields (`num_edits` → `numEdits`, `ref_length` → `refLength`). */
export interface TerScore {
  /** 100 · edits / reference length (lower is better; can exceed 100). */
  score: number;
  /** Total number of edits (insertions, deletions, substitutions and shifts), summed over segments. */
  numEdits: number;
  /** Sum over segments of the average reference length (in words). */
  refLength: number;
  /** e.g. `nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0`. */
  signature: string;
  /** sacreBLEU's `str(score)`: `TER = 45.67`. */
  toString(): string;
}

// ----------------------------------------------------------------------------- TercomTokenizer

const ASIAN_PUNCT = /([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])/gu;
const FULL_WIDTH_PUNCT = /([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])/gu;

function normalizeGeneralAndWestern(sent: string): string {
  sent = sent.replaceAll('\n-', '');
  sent = sent.replaceAll('\n', ' ');
  sent = sent.replaceAll('&quot;', '"');
  sent = sent.replaceAll('&amp;', '&');
  sent = sent.replaceAll('&lt;', '<');
  sent = sent.replaceAll('&gt;', '>');
  sent = ` ${sent} `;
  sent = sent.replace(/([{-~[-`\x20-&(-+:-@/])/gu, ' $1 ');
  sent = sent.replaceAll("'s ", " 's ");
  // Python's `'s$` also matches before a final newline; newlines are gone by now.
  sent = sent.replace(/'s$/u, " 's");
  sent = sent.replace(/([^0-9])([.,])/gu, '$1 $2 ');
  sent = sent.replace(/([.,])([^0-9])/gu, ' $1 $2');
  sent = sent.replace(/([0-9])(-)/gu, '$1 $2 ');
  return sent;
}

function normalizeAsian(sent: string): string {
  sent = sent.replace(/([\u4e00-\u9fff\u3400-\u4dbf])/gu, ' $1 ');
  sent = sent.replace(/([\u31c0-\u31ef\u2e80-\u2eff])/gu, ' $1 ');
  sent = sent.replace(/([\u3300-\u33ff\uf900-\ufaff\ufe30-\ufe4f])/gu, ' $1 ');
  sent = sent.replace(/([\u3200-\u3f22])/gu, ' $1 ');
  // sacreBLEU's kana rules, kept as written: `^` only matches at the start of the string, so they
  // split a run of kana off only when the sentence starts with it.
  sent = sent.replace(/(^|^[\u3040-\u309f])([\u3040-\u309f]+)(?=$|^[\u3040-\u309f])/gu, '$1 $2 ');
  sent = sent.replace(/(^|^[\u30a0-\u30ff])([\u30a0-\u30ff]+)(?=$|^[\u30a0-\u30ff])/gu, '$1 $2 ');
  sent = sent.replace(/(^|^[\u31f0-\u31ff])([\u31f0-\u31ff]+)(?=$|^[\u31f0-\u31ff])/gu, '$1 $2 ');
  sent = sent.replace(ASIAN_PUNCT, ' $1 ');
  sent = sent.replace(FULL_WIDTH_PUNCT, ' $1 ');
  return sent;
}

/**
 * sacreBLEU's `TercomTokenizer` (a port of Tercom's `Normalizer.java`): lowercase unless
 * `caseSensitive`, optional normalization and punctuation removal, single spaces.
 *
 * @example
 * tokenizeTercom("Jim's car.", { normalized: true }) // "jim 's car ."
 */
export function tokenizeTercom(sent: string, options: TerOptions = {}): string {
  if (!sent) return '';
  if (!options.caseSensitive) sent = sent.toLowerCase();
  if (options.normalized) {
    sent = normalizeGeneralAndWestern(sent);
    if (options.asianSupport) sent = normalizeAsian(sent);
  }
  if (options.noPunct) {
    sent = sent.replace(/[.,?:;!"()]/gu, '');
    if (options.asianSupport) sent = sent.replace(ASIAN_PUNCT, '').replace(FULL_WIDTH_PUNCT, '');
  }
  return pySplit(sent).join(' ');
}

// ----------------------------------------------------------------------------- lib_ter

const COST_INS = 1;
const COST_DEL = 1;
const COST_SUB = 1;
const MAX_SHIFT_SIZE = 10;
const MAX_SHIFT_DIST = 50;
const BEAM_WIDTH = 25;
const MAX_CACHE_SIZE = 10000;
const MAX_SHIFT_CANDIDATES = 1000;
const INT_INFINITY = 1e16;

// Edit operations: no-op, substitution, insertion, deletion, undefined (trace characters).
const OP_NOP = ' ';
const OP_SUB = 's';
const OP_INS = 'i';
const OP_DEL = 'd';
const OPS = [OP_NOP, OP_SUB, OP_INS, OP_DEL, 'x'];
const NOP = 0;
const SUB = 1;
const INS = 2;
const DEL = 3;
const UNDEF = 4;

/** One row of the edit-distance matrix: the cost of each cell and the operation that reached it. */
interface Row {
  cost: Float64Array;
  op: Uint8Array;
}
interface CacheNode {
  next: Map<string, [CacheNode, Row]>;
}

/**
 * `lib_ter.BeamEditDistance`: Levenshtein distance to a fixed reference within a beam around the
 * (length-ratio) diagonal, with a trie of already computed matrix rows keyed by hypothesis prefix.
 * (Costs stay below 2^53 except the "infinite" cells, which compare as in Python.)
 */
class BeamEditDistance {
  private readonly nRef: number;
  private readonly initialRow: Row;
  private readonly cache: CacheNode = { next: new Map() };
  private cacheSize = 0;

  constructor(private readonly wordsRef: readonly string[]) {
    this.nRef = wordsRef.length;
    const cost = new Float64Array(this.nRef + 1);
    for (let i = 0; i <= this.nRef; i++) cost[i] = i * COST_INS;
    this.initialRow = { cost, op: new Uint8Array(this.nRef + 1).fill(INS) };
  }

  private emptyRow(): Row {
    return {
      cost: new Float64Array(this.nRef + 1).fill(INT_INFINITY),
      op: new Uint8Array(this.nRef + 1).fill(UNDEF),
    };
  }

  /** Edit distance and trace (the operations that rewrite the hypothesis into the reference). */
  distance(wordsHyp: readonly string[]): [number, string] {
    const [start, rows] = this.findCache(wordsHyp);
    const [ed, newRows, trace] = this.editDistance(wordsHyp, start, rows);
    this.addCache(wordsHyp, newRows);
    return [ed, trace];
  }

  private editDistance(wordsH: readonly string[], startH: number, cache: Row[]): [number, Row[], string] {
    const nH = wordsH.length;
    const nRef = this.nRef;
    const ref = this.wordsRef;
    const dist: Row[] = [...cache];
    for (let k = 0; k < nH - startH; k++) dist.push(this.emptyRow());
    const lengthRatio = nH > 0 ? nRef / nH : 1;
    const beamWidth = BEAM_WIDTH < lengthRatio / 2 ? Math.ceil(lengthRatio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
    for (let i = startH + 1; i <= nH; i++) {
      const pseudoDiag = Math.floor(i * lengthRatio);
      const minJ = Math.max(0, pseudoDiag - beamWidth);
      let maxJ = Math.min(nRef + 1, pseudoDiag + beamWidth);
      if (i === nH) maxJ = nRef + 1;
      const { cost, op } = dist[i]!;
      const prev = dist[i - 1]!.cost;
      const word = wordsH[i - 1];
      for (let j = minJ; j < maxJ; j++) {
        if (j === 0) {
          cost[0] = prev[0]! + COST_DEL;
          op[0] = DEL;
          continue;
        }
        // Tercom prefers no-op/substitution, then insertion, then deletion; the trace is flipped
        // later, so deletion and insertion swap places here (as in sacreBLEU).
        const same = word === ref[j - 1];
        const sub = prev[j - 1]! + (same ? 0 : COST_SUB);
        if (cost[j]! > sub) {
          cost[j] = sub;
          op[j] = same ? NOP : SUB;
        }
        const del = prev[j]! + COST_DEL;
        if (cost[j]! > del) {
          cost[j] = del;
          op[j] = DEL;
        }
        const ins = cost[j - 1]! + COST_INS;
        if (cost[j]! > ins) {
          cost[j] = ins;
          op[j] = INS;
        }
      }
    }
    let trace = '';
    let i = nH;
    let j = nRef;
    while (i > 0 || j > 0) {
      const o = dist[i]!.op[j]!;
      trace = OPS[o]! + trace;
      if (o === SUB || o === NOP) {
        i--;
        j--;
      } else if (o === INS) j--;
      else if (o === DEL) i--;
      else throw new Error(`unknown operation ${JSON.stringify(OPS[o])}`);
    }
    return [dist[nH]!.cost[nRef]!, dist.slice(cache.length), trace];
  }

  private addCache(wordsHyp: readonly string[], mat: Row[]): void {
    if (this.cacheSize >= MAX_CACHE_SIZE) return;
    let node = this.cache;
    const skip = wordsHyp.length - mat.length;
    for (let i = 0; i < skip; i++) node = node.next.get(wordsHyp[i]!)![0];
    for (let k = 0; k < mat.length; k++) {
      const word = wordsHyp[skip + k]!;
      if (!node.next.has(word)) {
        node.next.set(word, [{ next: new Map() }, mat[k]!]);
        this.cacheSize++;
      }
      node = node.next.get(word)![0];
    }
  }

  private findCache(wordsHyp: readonly string[]): [number, Row[]] {
    let node = this.cache;
    let start = 0;
    const rows: Row[] = [this.initialRow];
    for (const word of wordsHyp) {
      const hit = node.next.get(word);
      if (!hit) break;
      start++;
      node = hit[0];
      rows.push(hit[1]);
    }
    return [start, rows];
  }
}

/** `trace_to_alignment`: reference→hypothesis alignment and the error flags of both sides. */
function traceToAlignment(trace: string): [Map<number, number>, number[], number[]] {
  let posHyp = -1;
  let posRef = -1;
  const hypErr: number[] = [];
  const refErr: number[] = [];
  const align = new Map<number, number>();
  for (const op of trace) {
    if (op === OP_NOP || op === OP_SUB) {
      posHyp++;
      posRef++;
      align.set(posRef, posHyp);
      const e = op === OP_SUB ? 1 : 0;
      hypErr.push(e);
      refErr.push(e);
    } else if (op === OP_INS) {
      posHyp++;
      hypErr.push(1);
    } else if (op === OP_DEL) {
      posRef++;
      align.set(posRef, posHyp);
      refErr.push(1);
    } else throw new Error(`unknown operation ${JSON.stringify(op)}`);
  }
  return [align, refErr, hypErr];
}

/** `_find_shifted_pairs`: (hypStart, refStart, length) of equal word runs, nearest first. */
function* findShiftedPairs(
  wordsH: readonly string[],
  wordsR: readonly string[],
): Generator<[number, number, number]> {
  const nH = wordsH.length;
  const nR = wordsR.length;
  for (let startH = 0; startH < nH; startH++) {
    for (let startR = 0; startR < nR; startR++) {
      if (Math.abs(startR - startH) > MAX_SHIFT_DIST) continue;
      let length = 0;
      while (wordsH[startH + length] === wordsR[startR + length] && length < MAX_SHIFT_SIZE) {
        length++;
        yield [startH, startR, length];
        if (nH === startH + length || nR === startR + length) break;
      }
    }
  }
}

/** `_perform_shift`: move `words[start:start+length]` to before position `target`. */
function performShift(words: readonly string[], start: number, length: number, target: number): string[] {
  if (target < start) {
    return [
      ...words.slice(0, target),
      ...words.slice(start, start + length),
      ...words.slice(target, start),
      ...words.slice(start + length),
    ];
  }
  if (target > start + length) {
    return [
      ...words.slice(0, start),
      ...words.slice(start + length, target),
      ...words.slice(start, start + length),
      ...words.slice(target),
    ];
  }
  return [
    ...words.slice(0, start),
    ...words.slice(start + length, length + target),
    ...words.slice(start, start + length),
    ...words.slice(length + target),
  ];
}

const sum = (xs: readonly number[], from: number, to: number) => {
  let s = 0;
  for (let k = from; k < Math.min(to, xs.length); k++) s += xs[k]!;
  return s;
};

/** `_shift`: the shift that reduces the edit distance most, ranked as Tercom ranks shifts. */
function bestShift(
  wordsH: readonly string[],
  wordsR: readonly string[],
  ed: BeamEditDistance,
  checked: number,
): [number, readonly string[], number] {
  const [preScore, invTrace] = ed.distance(wordsH);
  // Flip the trace (insertions ↔ deletions) to rewrite the reference into the hypothesis.
  const trace = invTrace.replace(/[id]/g, (c) => (c === OP_INS ? OP_DEL : OP_INS));
  const [align, refErr, hypErr] = traceToAlignment(trace);
  // (score, length, -startH, -idx), compared lexicographically; highest wins.
  let best: [number, number, number, number, string[]] | undefined;
  for (const [startH, startR, length] of findShiftedPairs(wordsH, wordsR)) {
    if (sum(hypErr, startH, startH + length) === 0) continue;
    if (sum(refErr, startR, startR + length) === 0) continue;
    const a = align.get(startR);
    if (a !== undefined && startH <= a && a < startH + length) continue;
    let prevIdx = -1;
    for (let offset = -1; offset < length; offset++) {
      let idx: number;
      if (startR + offset === -1) idx = 0;
      else if (align.has(startR + offset)) idx = align.get(startR + offset)! + 1;
      else break;
      if (idx === prevIdx) continue;
      prevIdx = idx;
      const shifted = performShift(wordsH, startH, length, idx);
      const cand: [number, number, number, number, string[]] = [
        preScore - ed.distance(shifted)[0],
        length,
        -startH,
        -idx,
        shifted,
      ];
      checked++;
      if (!best || greater(cand, best)) best = cand;
    }
    if (checked >= MAX_SHIFT_CANDIDATES) break;
  }
  if (!best) return [0, wordsH, checked];
  return [best[0], best[4], checked];
}

/** Python tuple comparison of the first four fields (the fifth is determined by them). */
function greater(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let k = 0; k < 4; k++) if (a[k] !== b[k]) return (a[k] as number) > (b[k] as number);
  return false;
}

/**
 * `lib_ter.translation_edit_rate`: the number of edits (shifts + beam edit distance after the
 * shifts) that turn the hypothesis into the reference, and the reference length.
 */
export function translationEditRate(
  wordsHyp: readonly string[],
  wordsRef: readonly string[],
): [number, number] {
  if (wordsRef.length === 0) return [wordsHyp.length, 0];
  const ed = new BeamEditDistance(wordsRef);
  let shifts = 0;
  let input: readonly string[] = wordsHyp;
  let checked = 0;
  for (;;) {
    const [delta, next, c] = bestShift(input, wordsRef, ed, checked);
    checked = c;
    if (checked >= MAX_SHIFT_CANDIDATES) break;
    if (delta <= 0) break;
    shifts++;
    input = next;
  }
  const [distance] = ed.distance(input);
  return [shifts + distance, wordsRef.length];
}

// ----------------------------------------------------------------------------- TER

/**
 * Corpus-level TER exactly like sacreBLEU's `TER(...).corpus_score(hypotheses, references)`:
 * per segment the fewest edits over the references and the average reference length; the score
 * is the sum of edits over the sum of average reference lengths, × 100. `references` has
 * sacreBLEU's layout, as in {@link corpusBleu}.
 *
 * @example
 * corpusTer(['the cat sat on the mat'], [['the cat is on the mat']]).score // 16.666… (1 edit / 6 words)
 */
export function corpusTer(
  hypotheses: readonly string[],
  references: readonly (readonly (string | null)[])[],
  options: TerOptions = {},
): TerScore {
  const { refs, nrefs } = segmentsOf(hypotheses, references);
  const pre = (s: string) => tokenizeTercom(pyRstrip(s), options);
  let totalEdits = 0;
  let sumRefLengths = 0;
  for (let i = 0; i < hypotheses.length; i++) {
    const wordsHyp = pySplit(pre(hypotheses[i]!));
    let refLengths = 0;
    let bestEdits = INT_INFINITY;
    for (const ref of refs[i]!) {
      const [edits, refLen] = translationEditRate(wordsHyp, pySplit(pre(ref)));
      refLengths += refLen;
      if (edits < bestEdits) bestEdits = edits;
    }
    totalEdits += bestEdits;
    sumRefLengths += refLengths / refs[i]!.length;
  }
  let score: number;
  if (sumRefLengths > 0) score = totalEdits / sumRefLengths;
  else score = totalEdits > 0 ? 1 : 0;
  score *= 100;
  const signature = formatSignature(nrefs, [
    ['case', options.caseSensitive ? 'mixed' : 'lc'],
    ['tok', 'tercom'],
    ['norm', yesNo(options.normalized)],
    ['punct', yesNo(!options.noPunct)],
    ['asian', yesNo(options.asianSupport)],
  ]);
  return {
    score,
    numEdits: Math.trunc(totalEdits),
    refLength: sumRefLengths,
    signature,
    toString: () => formatScore('TER', score),
  };
}

/** TER of one hypothesis against its references, like sacreBLEU's `sentence_ter` / `TER().sentence_score`. */
export function sentenceTer(
  hypothesis: string,
  references: readonly string[],
  options: TerOptions = {},
): TerScore {
  if (!Array.isArray(references)) throw new MetricInputError('references must be an array of strings');
  return corpusTer(
    [hypothesis],
    references.map((r) => [r]),
    options,
  );
}
