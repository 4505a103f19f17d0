import { readTextFile } from '@gptft/datasets';
import { Command } from 'commander';
import { Context } from '../context.js';
import { CliError } from '../errors.js';
import { checkDataFiles, ENCODING_ERRORS_OPTION, textReadOptions } from '../lm-data.js';
import { loadTokenizer } from '../model-io.js';
import { addCommonOptions, addOptions, resolveOptions } from '../options.js';

/** `gptft tokenize`: token ids of a text with a model's tokenizer. */
export function tokenizeCommand(): Command {
  const cmd = new Command('tokenize')
    .summary('print the token ids of a text')
    .description(
      'Tokenize --text or the contents of --file with the tokenizer of --model (default GPT-2’s).',
    );
  addOptions(cmd, [
    { name: 'text', type: 'string', placeholder: 'text', description: 'text to tokenize' },
    { name: 'file', type: 'string', placeholder: 'file', description: 'tokenize the whole file instead' },
    {
      name: 'model',
      type: 'string',
      placeholder: 'dir|id',
      description: 'model or tokenizer folder, or hub id (default: GPT-2’s tokenizer)',
    },
  ]);
  addOptions(cmd, [ENCODING_ERRORS_OPTION]);
  addCommonOptions(cmd);
  cmd.action(async (_o, c: Command) => {
    const opts = await resolveOptions(c);
    const ctx = new Context(opts);
    let text = opts.text as string | undefined;
    if (opts.file !== undefined) {
      checkDataFiles([opts.file as string], '--file');
      text = await readTextFile(opts.file as string, textReadOptions(opts));
    }
    if (text === undefined) throw new CliError('give --text or --file');
    const tok = await loadTokenizer((opts.model as string | undefined) ?? 'gpt2-bpe');
    const ids = tok.encode(text);
    ctx.result({ ids, count: ids.length }, () => `${ids.join(' ')}\n(${ids.length} tokens)`);
  });
  return cmd;
}
