import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's PyTorch reference fixtures. */
export const REF_DIR = fileURLToPath(new URL('../../../fixtures/gpt2-tiny-ref/', import.meta.url));
/** A real GPT-2 tokenizer folder (vocab.json, merges.txt, tokenizer_config.json). */
export const GPT2_DIR = `${REF_DIR}gpt2-tiny`;
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** `expected.json`'s tokenizer cases (ids computed by the PyTorch-side reference). */
export function expectedTokenizerCases(): { text: string; ids: number[] }[] {
  return JSON.parse(readFileSync(`${REF_DIR}expected.json`, 'utf8')).tokenizer;
}

/** Texts and the ids OpenAI's encoder.py gives them (see fixtures/SOURCE.md). */
export function openaiReferenceLines(): { source: string; text: string; ids: number[] }[] {
  return readFileSync(`${FIXTURES}openai-reference/lines.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

/** The novel and OpenAI's ids for it. */
export function novel(): { text: string; ids: number[] } {
  const text = readFileSync(`${FIXTURES}pg1661.txt`, 'utf8');
  const buf = readFileSync(`${FIXTURES}openai-reference/pg1661.ids.u16le`);
  const ids: number[] = [];
  for (let i = 0; i < buf.length; i += 2) ids.push(buf.readUInt16LE(i));
  return { text, ids };
}

/** Index of the first difference of two id lists, or -1. */
export function firstDifference(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
