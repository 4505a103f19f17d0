/**
 * `SFTTrainer`: supervised fine-tuning on conversations (TRL's `SFTTrainer`) on top of
 * {@link Trainer}. Records (chat, ShareGPT or Alpaca) are rendered with the tokenizer's chat
 * template, labelled on assistant replies only by default, truncated or packed, and batched; the
 * training loop is the Trainer's, so full fine-tuning and every PEFT method train the same way.
 */
import { tf } from '@gptft/backend';
import type { Batch, ChatTokenizer } from '@gptft/datasets';
import { type ForwardModel, trainableFromForward } from './forward-model.js';
import { parseSftConfig, type SFTConfigInput, type SFTFields } from './sft-config.js';
import { prepareSftBatches, type SftDataStats } from './sft-data.js';
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

/** The forward input SFT gives a `forward`-style model (`GPT2LMHeadModel.forward` takes it). */
export interface SftModelInput {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** [B, T] unshifted labels, -100 where no loss (the model shifts, as HF). */
  labels: number[][];
  /** Packed blocks with `packingIsolateDocuments` only. */
  positionIds?: tf.Tensor2D;
  documentIds?: tf.Tensor2D;
}

/**
 * A PEFT-wrapped model (`@gptft/peft`'s `PeftModel`) is a {@link ForwardModel}: its `forward` is the
 * wrapped head's (with the adapters), its trainable parameters the adapters'.
 * @deprecated use `ForwardModel<SftModelInput>`.
 */
export type PeftLikeModel = ForwardModel<SftModelInput>;

/** Any model SFT can train. */
export type SftModel = TrainableModel<Batch> | ForwardModel<SftModelInput>;

/** Options of {@link SFTTrainer}. */
export interface SFTTrainerOptions
  extends Omit<TrainerOptions<Batch>, 'model' | 'args' | 'trainData' | 'evalData'> {
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

function rows2D(values: Int32Array, [b, t]: [number, number]): number[][] {
  return Array.from({ length: b }, (_, r) => Array.from(values.subarray(r * t, (r + 1) * t)));
}

/** The forward input of a batch (tensors are created inside the Trainer's tidy/gradient scope). */
export function sftModelInput(batch: Batch): SftModelInput {
  const t2 = (a: Int32Array) => tf.tensor2d(a, batch.shape, 'int32');
  const input: SftModelInput = {
    inputIds: t2(batch.inputIds),
    attentionMask: t2(batch.attentionMask),
    labels: rows2D(batch.labels, batch.shape),
  };
  if (batch.positionIds) input.positionIds = t2(batch.positionIds);
  if (batch.documentIds) input.documentIds = t2(batch.documentIds);
  return input;
}

/** Adapts any {@link SftModel} to the Trainer's {@link TrainableModel}. */
export function sftTrainableModel(model: SftModel): TrainableModel<Batch> {
  if ('computeLoss' in model && typeof model.computeLoss === 'function')
    return model as TrainableModel<Batch>;
  const labels = (b: Batch) => rows2D(b.labels, b.shape);
  if (typeof (model as ForwardModel<SftModelInput>).forward !== 'function') {
    throw new TypeError('SFTTrainer: model must have forward(input) or computeLoss(batch)');
  }
  return trainableFromForward(model as ForwardModel<SftModelInput>, { toInput: sftModelInput, labels });
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
export class SFTTrainer extends Trainer<Batch> {
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
    const train = prepareSftBatches(options.trainDataset, {
      tokenizer: tok,
      sft,
      batchSize: training.perDeviceTrainBatchSize,
      padTokenId,
    });
    const evaluation = options.evalDataset
      ? prepareSftBatches(options.evalDataset, {
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
      trainData: train.batches,
      ...(evaluation ? { evalData: evaluation.batches } : {}),
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
