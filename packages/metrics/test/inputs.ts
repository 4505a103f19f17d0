/**
 * The deterministic inputs of the reference runs, mirrored from reference/inputs.py (same
 * functions, same names in camelCase). The real data is read in place from the project's
 * shared/data when it is there; small excerpts live in ./fixtures (test-only, see reference/README.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readRepoData, sharedDataDir, sharedDataOrSkip } from '@gptft/tooling/test-data';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { pyRstrip } from '../src/python-compat.js';

/** The project's shared data folder; `GPTFT_DATA` overrides it (as in reference/inputs.py). */
export const DATA = pathToFileURL(`${sharedDataDir}/`);
export const FIXTURES = new URL('./fixtures/', import.meta.url);
export const REFERENCE = new URL('./reference/', import.meta.url);

export const hasData = (sub: string) => existsSync(new URL(sub, DATA));

/**
 * Whether the full data set `sub` (a path under the shared data folder) is here; when it is not,
 * the skipped test says so and how to get the data (`sharedDataOrSkip`).
 */
export function needsData(sub: string, what: string): boolean {
  return (
    sharedDataOrSkip(sub, what, 'the committed excerpts in test/fixtures cover the same code paths') !==
    undefined
  );
}

export function readJson<T = any>(name: string): T {
  const buf = readFileSync(new URL(name, REFERENCE));
  const text = name.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  // Python's json writes NaN as a bare token.
  return JSON.parse(text.replace(/\bNaN\b/g, '"__NaN__"'), (_k, v) => (v === '__NaN__' ? Number.NaN : v));
}

/** Lines of a text file without their newline (a final newline does not add a line). */
export function readLines(url: URL): string[] {
  const lines = readFileSync(url, 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Drops every k-th word (words split on single spaces). */
export function dropEvery(line: string, k: number): string {
  return line
    .split(' ')
    .filter((_w, i) => (i + 1) % k !== 0)
    .join(' ');
}

export interface DialogSumRecord {
  dialogue: string;
  summary?: string;
  summary1?: string;
  summary2?: string;
  summary3?: string;
}

export function readJsonl<T>(url: URL): T[] {
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** The 'system summary': the first two turns of the dialogue, one per line. */
export const leadTwoTurns = (dialogue: string) => dialogue.split('\n').slice(0, 2).join('\n');
/** Reference summary with one sentence per line, for ROUGE-Lsum. */
export const sentenceLines = (summary: string) => summary.replaceAll('. ', '.\n');

/** Sentences of (token, tag) from a CoNLL file; whitespace-only lines end sentences. */
export function readConll(url: URL): [string, string][][] {
  return parseConll(readLines(url));
}

/**
 * The full WNUT-17 dev or test set (CC BY 4.0): from the shared data folder when it is there, else
 * the byte-identical gzipped copy in the repository's test-data/wnut17/full.
 */
export function wnut17Full(name: 'emerging.dev.conll' | 'emerging.test.annotated'): [string, string][][] {
  const shared = new URL(`wnut17/${name}`, DATA);
  if (existsSync(shared)) return readConll(shared);
  const lines = readRepoData('wnut17', 'full', `${name}.gz`).split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return parseConll(lines);
}

function parseConll(lines: string[]): [string, string][][] {
  const sents: [string, string][][] = [];
  let cur: [string, string][] = [];
  for (const line of lines) {
    if (line.trim() === '') {
      if (cur.length) sents.push(cur);
      cur = [];
      continue;
    }
    const parts = line.split('\t');
    cur.push([parts[0]!, parts[parts.length - 1]!]);
  }
  if (cur.length) sents.push(cur);
  return sents;
}

export const tagsOf = (sents: [string, string][][]) => sents.map((s) => s.map(([, t]) => t));

const WNUT_TYPES = ['corporation', 'creative-work', 'group', 'location', 'person', 'product'];

/** reference/inputs.py perturb_tags: a deterministic tagger that makes realistic mistakes. */
export function perturbTags(sents: string[][]): string[][] {
  let k = 0;
  return sents.map((sent) =>
    sent.map((t) => {
      let p = t;
      if (k % 11 === 3 && t.startsWith('B-')) p = `I-${t.slice(2)}`;
      else if (k % 61 === 5 && t === 'O') p = `B-${WNUT_TYPES[k % 6]}`;
      else if (k % 17 === 7 && t.startsWith('I-')) p = 'O';
      else if (k % 19 === 2 && t !== 'O')
        p = t.slice(0, 2) + WNUT_TYPES[(WNUT_TYPES.indexOf(t.slice(2)) + 1) % 6];
      else if (k % 67 === 9 && t === 'O') p = `I-${WNUT_TYPES[k % 6]}`;
      k++;
      return p;
    }),
  );
}

const split = (tag: string): [string, string | null] => (tag === 'O' ? ['O', null] : [tag[0]!, tag.slice(2)]);

/** Token-wise IOB2 → IOBES (or BILOU with single 'U', last 'L'). */
export function toIobes(seq: string[], single = 'S', last = 'E'): string[] {
  return seq.map((tag, i) => {
    const [p, t] = split(tag);
    const next = i + 1 < seq.length ? seq[i + 1] : 'O';
    const cont = t !== null && next === `I-${t}`;
    if (p === 'B') return (cont ? 'B-' : `${single}-`) + t;
    if (p === 'I') return (cont ? 'I-' : `${last}-`) + t;
    return tag;
  });
}

/** Token-wise IOB2 → IOB1: B- only where the previous tag is of the same type. */
export function toIob1(seq: string[]): string[] {
  return seq.map((tag, i) => {
    const [p, t] = split(tag);
    if (p !== 'B') return tag;
    const [pp, pt] = split(i > 0 ? seq[i - 1]! : 'O');
    return ((pp === 'B' || pp === 'I') && pt === t ? 'B-' : 'I-') + t;
  });
}

/** B-X → X-B (seqeval's suffix style). */
export const toSuffix = (seq: string[]) => seq.map((t) => (t === 'O' ? t : `${t.slice(2)}-${t[0]}`));

const NEGATIVE = new Set(
  'bad worst dull boring mess fails lack nothing stupid flat tedious poorly never unfunny no not too awful waste'.split(
    ' ',
  ),
);
const POSITIVE = new Set(
  'good best great fun funny beautiful wonderful entertaining love fascinating well moving brilliant enjoyable charming works powerful fresh remarkable'.split(
    ' ',
  ),
);

/** A tiny keyword sentiment 'classifier' for SST-2 (1 positive, 0 negative). */
export function lexiconPredict(sentence: string): number {
  const words = sentence.split(' ');
  const pos = words.filter((w) => POSITIVE.has(w)).length;
  const neg = words.filter((w) => NEGATIVE.has(w)).length;
  return pos >= neg ? 1 : 0;
}

export function sst2Dev(): { labels: number[]; texts: string[] } {
  const rows = readLines(new URL('sst2/dev.tsv', DATA)).slice(1);
  const labels: number[] = [];
  const texts: string[] = [];
  for (const r of rows) {
    const tab = r.indexOf('\t');
    labels.push(Number(r.slice(0, tab)));
    texts.push(r.slice(tab + 1));
  }
  return { labels, texts };
}

/**
 * Lets the event loop run between long synchronous checks, so that a test that computes for
 * minutes on a loaded machine does not starve vitest's worker RPC ("Timeout calling onTaskUpdate").
 */
export const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Relative-or-absolute closeness for reference comparisons (floating point, not formatting). */
export function close(actual: number, expected: number, tol = 1e-12): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

// ---------------------------------------------------------------- permissive data (committed excerpts)

/** reference/inputs.py question_lines: the question, one sentence per line. */
export const questionLines = (question: string) => question.replaceAll('. ', '.\n');

export interface Gsm8kRecord {
  question: string;
  answer: string;
}

/** reference/inputs.py gsm8k_targets: worked answer, its final line, the question's last sentence. */
export function gsm8kTargets(r: Gsm8kRecord): string[] {
  const q = r.question.split('. ');
  const lines = r.answer.split('\n');
  return [r.answer, lines[lines.length - 1]!, q[q.length - 1]!];
}

/** The number after '#### ' in a GSM8K answer. */
export function finalAnswer(answer: string): string {
  const parts = answer.split('#### ');
  return parts[parts.length - 1]!.trim();
}

/** reference/inputs.py em_prediction. */
export function emPrediction(ans: string, i: number): string {
  switch (i % 6) {
    case 0:
      return `${ans}.`;
    case 1:
      return `The answer is ${ans}`;
    case 2:
      return `${ans}0`;
    case 3:
      return `$${ans}`;
    case 4:
      return ans;
    default:
      return `ANSWER: ${ans}`;
  }
}

/** reference/inputs.py lexicon_score: positive minus negative keyword count. */
export function lexiconScore(sentence: string): number {
  const words = sentence.split(' ');
  return words.filter((w) => POSITIVE.has(w)).length - words.filter((w) => NEGATIVE.has(w)).length;
}

/** reference/inputs.py entity_type_indicator: a sentence's WNUT types as a 0/1 row. */
export function entityTypeIndicator(tags: readonly string[]): number[] {
  const present = new Set(tags.filter((t) => t !== 'O').map((t) => t.slice(2)));
  return WNUT_TYPES.map((t) => (present.has(t) ? 1 : 0));
}

/** reference/inputs.py swap_halves: the second half of the words, then the first. */
export function swapHalves(line: string): string {
  const words = line.split(' ');
  const h = Math.floor(words.length / 2);
  return [...words.slice(h), ...words.slice(0, h)].join(' ');
}

/** Lines of rt-polarity (.pos / .neg), trailing spaces removed (reference/inputs.py rt_polarity). */
export const rtLines = (url: URL) => readLines(url).map((l) => pyRstrip(l));
