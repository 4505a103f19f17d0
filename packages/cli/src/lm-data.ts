import { existsSync, statSync } from 'node:fs';
import { type CausalLMExample, inferFormat, readFiles, readTextFile, textRecord } from '@gptft/datasets';
import type { GPT2Tokenizer } from '@gptft/tokenizer';
import { CliError } from './errors.js';
import type { OptionSpec } from './options.js';

/** How the data files' text is decoded (`--encoding-errors`). */
export interface TextReadOptions {
  encodingErrors?: 'strict' | 'replace';
}

/** `--encoding-errors`, for the commands that read data files. */
export const ENCODING_ERRORS_OPTION: OptionSpec = {
  name: 'encoding-errors',
  type: ['strict', 'replace'],
  description:
    'bytes of the data that are not UTF-8: strict fails naming file, line and byte; replace reads them as U+FFFD',
  default: 'strict',
};

/** The {@link TextReadOptions} of parsed command options. */
export function textReadOptions(opts: Record<string, unknown>): TextReadOptions {
  return opts.encodingErrors === 'replace' ? { encodingErrors: 'replace' } : {};
}

/** Fails with the file named when a data file is missing (before any expensive work). */
export function checkDataFiles(files: readonly string[], flag = '--data'): void {
  if (files.length === 0) throw new CliError(`no data file given`, `pass ${flag} FILE`);
  for (const f of files) {
    if (!existsSync(f)) throw new CliError(`data file not found: ${f}`, `check the path given to ${flag}`);
    if (statSync(f).isDirectory())
      throw new CliError(`${f} is a folder; pass the data files themselves`, `e.g. ${flag} ${f}/*.txt`);
  }
}

/**
 * Token ids of the files for causal-LM training or evaluation, as transformers' `run_clm.py` sees a
 * text file: a `.txt` (or `.txt.gz`) file is tokenized whole; JSON/JSONL/CSV files give one document per record
 * (the `text` field), each followed by the end-of-text token. Several files are joined with
 * end-of-text between them.
 */
export async function readLmTokens(
  files: readonly string[],
  tokenizer: GPT2Tokenizer,
  read: TextReadOptions = {},
): Promise<number[]> {
  checkDataFiles(files);
  const eos = tokenizer.eosTokenId;
  const ids: number[] = [];
  for (const [i, f] of files.entries()) {
    if (i > 0 && eos !== undefined && ids.length > 0 && ids[ids.length - 1] !== eos) ids.push(eos);
    const format = inferFormat(f);
    if (format === 'text' || format === undefined) {
      // Gzip by magic bytes; invalid UTF-8 fails naming file, line and byte (unless --encoding-errors replace).
      const text = await readTextFile(f, read);
      for (const id of tokenizer.encode(text)) ids.push(id);
    } else {
      const ds = await readFiles([f], { schema: textRecord, ...read });
      for (const r of ds.toArray()) {
        for (const id of tokenizer.encode(r.text)) ids.push(id);
        if (eos !== undefined) ids.push(eos);
      }
    }
  }
  return ids;
}

/**
 * Non-overlapping blocks of `blockSize` tokens, the remainder dropped (as `run_clm.py`'s
 * `group_texts`): causal-LM examples for `@gptft/datasets`' `causalLMCollator` (labels = the ids;
 * the model shifts them).
 */
export function toBlocks(ids: readonly number[], blockSize: number): CausalLMExample[] {
  const blocks: CausalLMExample[] = [];
  for (let s = 0; s + blockSize <= ids.length; s += blockSize)
    blocks.push({ inputIds: ids.slice(s, s + blockSize) });
  return blocks;
}
