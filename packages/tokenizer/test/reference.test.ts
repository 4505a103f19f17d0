/**
 * Ids must equal GPT-2's exactly: against the PyTorch fixtures' ids, against OpenAI's own
 * encoder.py (2 848 texts and a whole novel), and gpt-tokenizer's r50k against our BPE.
 */
import r50k from 'gpt-tokenizer/encoding/r50k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT2Tokenizer } from '../src/index.js';
import { expectedTokenizerCases, firstDifference, GPT2_DIR, novel, openaiReferenceLines } from './helpers.js';

let fromFolder: GPT2Tokenizer;
let builtIn: GPT2Tokenizer;
let viaGptTokenizer: GPT2Tokenizer;

beforeAll(async () => {
  fromFolder = await GPT2Tokenizer.fromPretrained(GPT2_DIR);
  builtIn = GPT2Tokenizer.gpt2();
  viaGptTokenizer = GPT2Tokenizer.gpt2({ engine: 'gpt-tokenizer' });
});

const tokenizers = () =>
  [
    ['own BPE over gpt2-tiny/{vocab.json,merges.txt}', fromFolder],
    ['gpt2() (own BPE over r50k data)', builtIn],
    ["gpt2({ engine: 'gpt-tokenizer' })", viaGptTokenizer],
  ] as const;

describe('expected.json tokenizer cases (PyTorch-side reference)', () => {
  it('every tokenizer gives the reference ids and decodes back', () => {
    const cases = expectedTokenizerCases();
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const [name, tok] of tokenizers()) {
      for (const { text, ids } of cases) {
        expect(tok.encode(text), `${name}: ${JSON.stringify(text)}`).toEqual(ids);
        expect(tok.decode(ids)).toBe(text);
      }
    }
  });

  it('the folder is recognised as GPT-2 vocabulary', () => {
    expect(fromFolder.isGpt2Vocabulary).toBe(true);
    expect(fromFolder.vocabSize).toBe(50257);
    expect(fromFolder.eosTokenId).toBe(50256);
  });
});

describe("OpenAI's encoder.py reference (fixtures/openai-reference)", () => {
  const lines = openaiReferenceLines();

  it('has a few thousand texts from several sources', () => {
    expect(lines.length).toBeGreaterThan(2500);
    expect(new Set(lines.map((l) => l.source)).size).toBeGreaterThanOrEqual(6);
  });

  it('every tokenizer gives OpenAI ids for every text, and decode(encode(x)) === x', () => {
    for (const [name, tok] of tokenizers()) {
      let mismatches = 0;
      for (const { source, text, ids } of lines) {
        const got = tok.encode(text);
        if (firstDifference(got, ids) !== -1) {
          mismatches++;
          expect.soft(got, `${name} on ${source}: ${JSON.stringify(text).slice(0, 80)}`).toEqual(ids);
        }
        if (tok.decode(got) !== text) expect.soft(tok.decode(got)).toBe(text);
      }
      expect(mismatches, name).toBe(0);
    }
  });

  it("plain gpt-tokenizer r50k differs where JavaScript's \\s is not Python's (why we route around it)", () => {
    const edge = lines.filter((l) => /[\u0085\ufeff]/.test(l.text));
    expect(edge.length).toBeGreaterThan(5);
    const raw = edge.filter(
      (l) => firstDifference(r50k.encode(l.text, { disallowedSpecial: new Set() }), l.ids) !== -1,
    );
    expect(raw.length).toBeGreaterThan(0);
    for (const l of raw) expect(viaGptTokenizer.encode(l.text)).toEqual(l.ids);
  });
});

describe('a whole novel (The Adventures of Sherlock Holmes, 574 kB)', () => {
  const { text, ids } = novel();

  it('own BPE over the folder files and gpt-tokenizer r50k agree token for token, and equal OpenAI', () => {
    const own = fromFolder.encode(text);
    const gt = r50k.encode(text, { disallowedSpecial: new Set() });
    expect(own.length).toBe(158395);
    expect(firstDifference(own, gt)).toBe(-1);
    expect(firstDifference(own, ids)).toBe(-1);
    expect(firstDifference(viaGptTokenizer.encode(text), ids)).toBe(-1);
    expect(fromFolder.decode(own)).toBe(text);
  });

  it('encoding line by line with a cold cache gives the same ids as the whole text where lines are chunks', () => {
    // Each line with its newline is encoded alone; chunk boundaries never cross "\r\n" + letter,
    // so the concatenation must equal the whole-text encoding when no whitespace run spans lines.
    const fresh = GPT2Tokenizer.gpt2();
    const first = text.slice(0, 20000);
    const parts = first.split(/(?<=\n)(?=\S)/);
    const joined = parts.flatMap((p) => fresh.encode(p));
    expect(joined).toEqual(fromFolder.encode(first));
  });
});
