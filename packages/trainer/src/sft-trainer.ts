/**
 * `SFTTrainer`: supervised fine-tuning on conversations (TRL's `SFTTrainer`) on top of
 * {@link Trainer}. Records (chat, ShareGPT or Alpaca) are rendered with the tokenizer's chat
 * template, labelled on assistant replies only by default, truncated or packed, and batched; the
 * training loop is the Trainer's, so full fine-tuning and every PEFT method train the same way.
 */
import type { Batch, ChatTokenizer } from '@gptft/datasets';
import type { ForwardModel } from './forward-model.js';
import { parseSftConfig, type SFTConfigInput, type SFTFields } from './sft-config.js';
import { prepareSftExamples, type SftDataStats, type SftRow, sftCollator } from './sft-data.js';
import { type CausalLMInput, causalLMInput, causalLMTrainable } from './task-models.js';
import type { TrainableModel } from './trainable-model.js';
import { Trainer, type TrainerOptions } from './trainer.js';

/** What SFT needs from a tokenizer (`@gptft/tokenizer`'s `GPT2Tokenizer` fits). */
export interface SftTokenizer extends ChatTokenizer {
  /** The template from `tokenizer_config.json` (undefined for GPT-2 before `setupChatModel`). */
  readonly chatTemplate: unknown;
  readonly padTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  /** Used to write the tokenizer next to each checkpoint when `saveModel` is given. */
  savePretrained?(dir: string): Promise<unknown>;
}

/** The forward input SFT gives a `forward`-style model: {@link CausalLMInput} (`GPT2LMHeadModel.forward` takes it). */
export type SftModelInput = CausalLMInput;

/** Any model SFT can train: a causal LM, a `PeftModel` around one, or any {@link TrainableModel} of batches. */
export type SftModel = TrainableModel<Batch> | ForwardModel<SftModelInput>;

/** Options of {@link SFTTrainer}. */
export interface SFTTrainerOptions
  extends Omit<
    TrainerOptions<Batch, SftRow>,
    'model' | 'args' | 'trainData' | 'evalData' | 'trainDataset' | 'evalDataset' | 'dataCollator'
  > {
  /**
   * The model: a `@gptft/heads` LM (`GPT2LMHeadModel`, full fine-tuning), a `PeftModel` around one
   * (LoRA, prefix tuning, …: only the adapter trains), or any {@link TrainableModel} of batches.
   */
  model: SftModel;
  /**
   * The tokenizer with a chat template. GPT-2 has none: call `setupChatModel(model, tokenizer)`
   * from `@gptft/heads` first (ChatML tokens, template, resized embeddings), or pass
   * `args.chatTemplate`.
   */
  tokenizer: SftTokenizer;
  /** TrainingArguments plus the SFT fields ({@link SFTConfigInput}). */
  args: SFTConfigInput;
  /** Conversation records: `{ messages }`, ShareGPT `{ conversations }` or Alpaca `{ instruction, input, output }`. */
  trainDataset: Iterable<unknown>;
  evalDataset?: Iterable<unknown>;
}

/** The forward input of a batch (see {@link causalLMInput}). */
export const sftModelInput = causalLMInput;

/** Adapts any {@link SftModel} to the Trainer's {@link TrainableModel} (see {@link causalLMTrainable}). */
export function sftTrainableModel(model: SftModel): TrainableModel<Batch> {
  if ('computeLoss' in model && typeof model.computeLoss === 'function')
    return model as TrainableModel<Batch>;
  return causalLMTrainable(model as ForwardModel<SftModelInput>);
}

/**
 * TRL's `SFTTrainer` for chat data:
 *
 * - records are rendered with the tokenizer's chat template (`args.chatTemplate` to override) and
 *   tokenized; by default only assistant replies and their end-of-turn token carry labels
 *   (`assistantOnlyLoss`), in every turn of multi-turn conversations;
 * - conversations longer than `maxLength` are cut; with `packing` they are packed into blocks;
 * - batches of `perDeviceTrainBatchSize` go to the {@link Trainer} loop (schedules, accumulation,
 *   clipping, checkpoints, evaluation on `evalDataset`).
 *
 * `sftStats` tells how many records were used, dropped and truncated and how many tokens carry a
 * label. With a `saveModel` option, the tokenizer is written next to each checkpoint too.
 */
export class SFTTrainer extends Trainer<Batch, SftRow> {
  /** The parsed SFT fields of `args`. */
  readonly sftArgs: SFTFields;
  /** What the training data became. */
  readonly sftStats: SftDataStats;
  /** What the evaluation data became (when given). */
  readonly sftEvalStats: SftDataStats | undefined;
  readonly tokenizer: SftTokenizer;

  constructor(options: SFTTrainerOptions) {
    const { training, trainingInput, sft } = parseSftConfig(options.args);
    const tok = options.tokenizer;
    if (tok.chatTemplate === undefined && sft.chatTemplate === undefined) {
      throw new Error(
        'SFTTrainer: the tokenizer has no chat template. For GPT-2 call setupChatModel(model, tokenizer) from @gptft/heads ' +
          '(adds <|im_start|>/<|im_end|>, sets ChatML, resizes the embeddings), or pass args.chatTemplate',
      );
    }
    const padTokenId = tok.padTokenId ?? tok.eosTokenId;
    if (padTokenId === undefined)
      throw new Error('SFTTrainer: the tokenizer has neither a pad nor an eos token');
    const train = prepareSftExamples(options.trainDataset, {
      tokenizer: tok,
      sft,
      batchSize: training.perDeviceTrainBatchSize,
      padTokenId,
    });
    const evaluation = options.evalDataset
      ? prepareSftExamples(options.evalDataset, {
          tokenizer: tok,
          sft,
          batchSize: training.perDeviceEvalBatchSize,
          padTokenId,
        })
      : undefined;
    const { model, tokenizer: _t, trainDataset: _d, evalDataset: _e, saveModel, args: _a, ...rest } = options;
    super({
      ...rest,
      model: sftTrainableModel(model),
      args: trainingInput,
      trainDataset: train.examples,
      ...(evaluation ? { evalDataset: evaluation.examples } : {}),
      dataCollator: sftCollator({ sft, padTokenId }),
      ...(saveModel
        ? {
            saveModel: async (dir: string) => {
              await saveModel(dir);
              await tok.savePretrained?.(dir);
            },
          }
        : {}),
    });
    this.sftArgs = sft;
    this.sftStats = train.stats;
    this.sftEvalStats = evaluation?.stats;
    this.tokenizer = tok;
  }
}
