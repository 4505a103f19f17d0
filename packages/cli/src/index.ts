/**
 * @gptft/cli — the `gptft` command line. The package's API is the program itself (`buildProgram`,
 * `main`) and the helpers the commands share, for tools that embed gptft's commands.
 */
export { buildProgram, main, VERSION } from './main.js';
export { CliError, describeError } from './errors.js';
export { readConfigFile } from './config-file.js';
export { type DecodeSettings, generateReply, type Reply } from './generate-reply.js';
export {
  type ChatFactsExample,
  type ChatFactsReply,
  type ChatFactsResult,
  chatFactsOfModel,
  evaluateChatFacts,
  readChatFactsExamples,
} from './chat-facts.js';
