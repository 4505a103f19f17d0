import { readTextFile } from '@gptft/datasets';
import { Command } from 'commander';
import { trainByteLevelBpe } from '@gptft/tokenizer';
import { Context } from '../context.js';
import { CliError } from '../errors.js';
import { checkDataFiles, ENCODING_ERRORS_OPTION, textReadOptions } from '../lm-data.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';

/** `gptft tokenizer train`: a byte-level BPE vocabulary learned from text files. */
export function tokenizerCommand(): Command {
  const group = new Command('tokenizer').summary('tokenizer tools (train)').description('Tokenizer tools.');
  const cmd = new Command('train')
    .summary('learn a byte-level BPE tokenizer from text files')
    .description(
      'Learn a byte-level BPE vocabulary from text files, as Hugging Face tokenizers’ ByteLevelBPETokenizer does (GPT-2 pre-tokenization, the 256 byte symbols, then merges). Writes vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json into --output-dir (HF’s GPT2Tokenizer loads them). A small vocabulary (2–8k) is what makes pretraining on a CPU feasible.',
    );
  addOptions(cmd, [
    {
      name: 'data',
      type: 'string',
      placeholder: 'file',
      variadic: true,
      description: 'text files to learn from (read line by line, like HF tokenizers)',
    },
    {
      name: 'vocab-size',
      type: 'int',
      description: 'vocabulary size: special tokens + 256 bytes + merges',
      default: 4096,
      range: { min: 1 },
    },
    {
      name: 'min-frequency',
      type: 'int',
      description: 'a pair must occur this often to be merged',
      default: 2,
      range: { min: 1 },
    },
    {
      name: 'special-tokens',
      type: 'string',
      placeholder: 'token',
      variadic: true,
      description: 'special tokens, given the first ids (default: <|endoftext|>)',
    },
    {
      name: 'model-max-length',
      type: 'int',
      description: 'model_max_length written to tokenizer_config.json',
      range: { min: 1 },
    },
    {
      name: 'output-dir',
      type: 'string',
      placeholder: 'dir',
      description: 'folder to write the tokenizer files into',
    },
  ]);
  addOptions(cmd, [ENCODING_ERRORS_OPTION]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => tokenizerTrain(await resolveOptions(c)));
  group.addCommand(cmd);
  return group;
}

export async function tokenizerTrain(opts: Record<string, unknown>): Promise<void> {
  const ctx = new Context(opts);
  const files = (opts.data as string[] | undefined) ?? [];
  const outputDir = opts.outputDir as string | undefined;
  if (!outputDir) throw new CliError('--output-dir is required', 'e.g. --output-dir models/my-tokenizer');
  checkDataFiles(files);
  const vocabSize = opts.vocabSize as number;
  const specialTokens = (opts.specialTokens as string[] | undefined) ?? ['<|endoftext|>'];
  if (vocabSize < specialTokens.length + 256) {
    throw new CliError(
      `--vocab-size ${vocabSize} is too small: it must hold ${specialTokens.length} special tokens + 256 byte symbols`,
    );
  }
  async function* lines(): AsyncGenerator<string> {
    for (const f of files) {
      const text = await readTextFile(f, textReadOptions(opts));
      yield* text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    }
  }
  const t0 = performance.now();
  let lastReport = t0;
  const tok = await trainByteLevelBpe(lines(), {
    vocabSize,
    minFrequency: opts.minFrequency as number,
    specialTokens,
    ...(opts.modelMaxLength !== undefined && { modelMaxLength: opts.modelMaxLength as number }),
    onProgress: (merges, size) => {
      const now = performance.now();
      if (now - lastReport > 2000) {
        lastReport = now;
        ctx.log(`merges ${merges}, vocabulary ${size}/${vocabSize}`);
      }
    },
  });
  const written = await tok.savePretrained(outputDir);
  const seconds = (performance.now() - t0) / 1000;
  ctx.result(
    { output_dir: outputDir, vocab_size: tok.vocabSize, merges: tok.merges.length, files: written, seconds },
    () =>
      `tokenizer with ${tok.vocabSize} tokens (${tok.merges.length} merges) written to ${outputDir} in ${seconds.toFixed(1)} s`,
  );
}
