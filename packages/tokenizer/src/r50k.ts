/**
 * GPT-2's vocabulary as gpt-tokenizer ships it (`r50k_base`: the same 50 257 tokens with the same
 * ids, `<|endoftext|>` = 50256), turned into the byte-level `vocab.json` / `merges.txt` form HF
 * checkpoints use, and gpt-tokenizer's own r50k encoder.
 */
import r50kRanks from 'gpt-tokenizer/bpeRanks/r50k_base';
import r50kEncoding from 'gpt-tokenizer/encoding/r50k_base';
import type { Merge } from './bpe.js';
import { bytesToByteLevel } from './byte-level.js';

/** GPT-2's end-of-text token (also its bos, eos and unk token). */
export const GPT2_EOS = '<|endoftext|>';
/** Its id. */
export const GPT2_EOS_ID = 50256;
/** GPT-2's context length, HF's `model_max_length` for `gpt2`. */
export const GPT2_MODEL_MAX_LENGTH = 1024;

/** GPT-2's BPE vocabulary (byte-level strings → ids, without `<|endoftext|>`) and merge rules. */
export interface Gpt2Files {
  /** Token (byte-level string, `"Ġthe"`) → id, ids 0..50255. */
  readonly vocab: ReadonlyMap<string, number>;
  /** The 50 000 merge rules in rank order, as in GPT-2's `merges.txt`. */
  readonly merges: readonly Merge[];
}

let cachedVocab: Map<string, number> | undefined;
let cachedMerges: Merge[] | undefined;

/** gpt-tokenizer's r50k ranks as GPT-2 byte-level tokens: entry `i` is the token with id `i`. */
function r50kTokens(): string[] {
  const enc = new TextEncoder();
  return r50kRanks.map((value) =>
    bytesToByteLevel(typeof value === 'string' ? enc.encode(value) : Uint8Array.from(value)),
  );
}

/** GPT-2's vocabulary (without `<|endoftext|>`), built from gpt-tokenizer's r50k data. */
export function gpt2Vocab(): ReadonlyMap<string, number> {
  if (!cachedVocab) {
    const tokens = r50kTokens();
    cachedVocab = new Map(tokens.map((t, i) => [t, i]));
  }
  return cachedVocab;
}

/**
 * GPT-2's merge rules, recovered from r50k's ranks. In GPT-2 the token with id 256 + k is made by
 * merge rule k; its two halves are what rank-based BPE over the token's own bytes leaves when only
 * tokens of lower rank may be used (how tiktoken converts between the two forms). The result is
 * GPT-2's `merges.txt` line for line (checked by the tests against the real file).
 */
export function gpt2Merges(): readonly Merge[] {
  if (cachedMerges) return cachedMerges;
  const vocab = gpt2Vocab();
  const tokens = [...vocab.keys()];
  const merges: Merge[] = [];
  for (let id = 256; id < tokens.length; id++) {
    const token = tokens[id];
    const parts: string[] = [];
    for (let i = 0; i < token.length; i++) parts.push(token[i]);
    while (parts.length > 2) {
      let best = id;
      let at = -1;
      for (let i = 0; i + 1 < parts.length; i++) {
        const rank = vocab.get(parts[i] + parts[i + 1]);
        if (rank !== undefined && rank < best) {
          best = rank;
          at = i;
        }
      }
      if (at < 0) break;
      parts.splice(at, 2, parts[at] + parts[at + 1]);
    }
    if (parts.length !== 2) throw new Error(`r50k token ${id} (${JSON.stringify(tokens[id])}) has no merge`);
    merges.push([parts[0], parts[1]]);
  }
  cachedMerges = merges;
  return merges;
}

/** GPT-2's vocabulary and merges from gpt-tokenizer's data (no files needed). */
export function gpt2Files(): Gpt2Files {
  return { vocab: gpt2Vocab(), merges: gpt2Merges() };
}

/**
 * True when a vocabulary and merge list are GPT-2's exactly (so gpt-tokenizer's r50k encoder gives
 * the same ids). `<|endoftext|>` may be in `vocab` or not.
 */
export function isGpt2Vocabulary(vocab: ReadonlyMap<string, number>, merges: readonly Merge[]): boolean {
  const ref = gpt2Vocab();
  const extra = vocab.get(GPT2_EOS) === GPT2_EOS_ID ? 1 : 0;
  if (vocab.size !== ref.size + extra) return false;
  for (const [token, id] of ref) if (vocab.get(token) !== id) return false;
  const refMerges = gpt2Merges();
  if (merges.length !== refMerges.length) return false;
  for (let i = 0; i < merges.length; i++) {
    if (merges[i][0] !== refMerges[i][0] || merges[i][1] !== refMerges[i][1]) return false;
  }
  return true;
}

/**
 * Special tokens are never matched here: `<|endoftext|>` in the text is encoded as plain text.
 * (GPT2Tokenizer cuts special and added tokens out of the text itself, before this runs. That
 * matters: gpt-tokenizer 4.0.0's own `allowedSpecial` only finds a special token at the very
 * start of the text, `encode('a<|endoftext|>b', { allowedSpecial: 'all' })` gives no 50256.)
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** gpt-tokenizer's r50k encoder over plain text (special-token strings are encoded as text). */
export function r50kEncode(text: string): number[] {
  return r50kEncoding.encode(text, PLAIN_TEXT);
}
