/**
 * `SFTConfig`: TrainingArguments plus the supervised fine-tuning fields of TRL's `SFTConfig`
 * (camelCase), validated with zod; errors name the field.
 */
import { z } from 'zod';
import {
  parseTrainingArguments,
  type TrainingArguments,
  TrainingArgumentsError,
  type TrainingArgumentsInput,
} from './training-arguments.js';

/** The SFT fields (TRL `SFTConfig` names in camelCase; defaults noted where they differ from TRL). */
export const sftFieldsSchema = z
  .object({
    /**
     * Longest tokenized conversation; longer ones are cut from the right (TRL `max_length`,
     * default 1024). With `packing`, the block length. `null`: no limit (not with packing).
     */
    maxLength: z.number().int().positive().nullable().default(1024),
    /** Pack conversations into blocks of `maxLength` tokens (TRL `packing`, default false). */
    packing: z.boolean().default(false),
    /**
     * With packing: keep attention inside each conversation (the blocks carry `positionIds` and
     * `documentIds`; the model must honour them, as `@gptft/gpt2-model`'s `GPT2Model.forward` does).
     * Default false: plain concatenation, as TRL's classic packing without flash attention.
     */
    packingIsolateDocuments: z.boolean().default(false),
    /**
     * Loss only on assistant replies and their end-of-turn token (TRL `assistant_only_loss`).
     * Default **true** here (TRL: false): system/user turns and template scaffolding are -100.
     */
    assistantOnlyLoss: z.boolean().default(true),
    /** Pad each batch to a multiple of this many tokens (TRL `pad_to_multiple_of`). */
    padToMultipleOf: z.number().int().positive().optional(),
    /** A chat template (or the name of one of the tokenizer's) to use instead of the tokenizer's own. */
    chatTemplate: z.string().min(1).optional(),
    /** For templates without `{% generation %}`: the token that ends an assistant turn. */
    endOfTurnToken: z.string().min(1).optional(),
    /** The dataset's record format; default: detected per record (`messages`, `conversations`, `instruction`). */
    datasetFormat: z.enum(['chat', 'sharegpt', 'alpaca']).optional(),
    /** A system message put before every Alpaca record's conversation. */
    alpacaSystemMessage: z.string().optional(),
  })
  .strict();

/** Parsed SFT fields. */
export type SFTFields = z.output<typeof sftFieldsSchema>;
/** What a user passes as `SFTTrainer`'s `args`: TrainingArguments and the SFT fields together. */
export type SFTConfigInput = TrainingArgumentsInput & z.input<typeof sftFieldsSchema>;

const SFT_KEYS = new Set(Object.keys(sftFieldsSchema.shape));

/**
 * Splits an SFT config into TrainingArguments and SFT fields and validates both. Throws
 * {@link TrainingArgumentsError} naming the first bad field (`SFTConfig.maxLength: …` for SFT fields).
 */
export function parseSftConfig(input: SFTConfigInput = {}): {
  training: TrainingArguments;
  /** The TrainingArguments part of the input, as given (for the Trainer). */
  trainingInput: TrainingArgumentsInput;
  sft: SFTFields;
} {
  const trainingInput: Record<string, unknown> = {};
  const sftInput: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) (SFT_KEYS.has(k) ? sftInput : trainingInput)[k] = v;
  const training = parseTrainingArguments(trainingInput as TrainingArgumentsInput);
  const r = sftFieldsSchema.safeParse(sftInput);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(root)';
    const e = new TrainingArgumentsError(field, issue.message);
    e.message = `SFTConfig.${field}: ${issue.message}`;
    throw e;
  }
  const sft = r.data;
  if (sft.packing && sft.maxLength === null) {
    const e = new TrainingArgumentsError('maxLength', 'packing needs a block length');
    e.message = 'SFTConfig.maxLength: packing needs a block length (a positive integer), got null';
    throw e;
  }
  return { training, trainingInput: trainingInput as TrainingArgumentsInput, sft };
}
