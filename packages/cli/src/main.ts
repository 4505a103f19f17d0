import { Command, CommanderError } from 'commander';
import { chatCommand } from './commands/chat.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { generateCommand } from './commands/generate.js';
import { mergeCommand } from './commands/merge.js';
import { pretrainCommand } from './commands/pretrain.js';
import { serveCommand } from './commands/serve.js';
import { sftCommand } from './commands/sft.js';
import { tokenizeCommand } from './commands/tokenize.js';
import { tokenizerCommand } from './commands/tokenizer-train.js';
import { trainCommand } from './commands/train.js';
import { reportError } from './errors.js';

export const VERSION = '0.1.0';

/** The `gptft` program with all its commands. */
export function buildProgram(): Command {
  const program = new Command('gptft')
    .description('Fine-tune GPT-2 (Hugging Face checkpoints) in Node.js: pretrain, SFT, LoRA, chat.')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride();
  program.configureHelp({ sortSubcommands: false, showGlobalOptions: false });
  for (const cmd of [
    demoCommand(),
    pretrainCommand(),
    sftCommand(),
    trainCommand(),
    evalCommand(),
    generateCommand(),
    chatCommand(),
    serveCommand(),
    mergeCommand(),
    tokenizerCommand(),
    tokenizeCommand(),
  ]) {
    program.addCommand(cmd);
  }
  const configure = (cmd: Command) => {
    cmd.exitOverride();
    cmd.showHelpAfterError('(run with --help for the options)');
    for (const sub of cmd.commands) configure(sub);
  };
  for (const sub of program.commands) configure(sub);
  return program;
}

/**
 * Runs the program on `argv` (user arguments, without `node gptft`). Returns the exit code: 0, 1
 * for errors (one line + hint on stderr; the stack only with --verbose), commander's code for usage
 * errors.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and --version exit with 0; usage errors were printed by commander as one line.
      return e.exitCode;
    }
    reportError(e, verbose, (s) => process.stderr.write(s));
    return 1;
  }
}
