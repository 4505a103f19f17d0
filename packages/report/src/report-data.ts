import { z } from 'zod';
import { type TrainerLogEntryInput, trainerLogEntrySchema } from './trainer-log.js';

/** One prompt and what the model generated for it before and after training. */
export const sampleGenerationSchema = z.object({
  prompt: z.string(),
  before: z.string(),
  after: z.string(),
});
export type SampleGeneration = z.infer<typeof sampleGenerationSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * What {@link writeTrainingReport} shows. Only `log` matters for the charts; everything else is
 * optional and shown when given.
 */
export const trainingReportDataSchema = z.object({
  /** Heading of the page (default "Training report"). */
  title: z.string().optional(),
  /** The trainer's log entries; when absent, `writeTrainingReport` reads `<dir>/log.jsonl`. */
  log: z.array(trainerLogEntrySchema).optional(),
  /**
   * Final metrics by name (e.g. `{ eval_loss: 2.1, perplexity: 8.2 }`), shown after the last
   * evaluation's logged `eval_*` values (a name given here replaces the logged one).
   */
  metrics: z
    .record(
      z.string(),
      // any number, NaN and ±Infinity included (a diverged run still gets its report)
      z.union([z.custom<number>((v) => typeof v === 'number', 'expected a number or a string'), z.string()]),
    )
    .optional(),
  /** Sample generations before vs after training, shown as a table. */
  samples: z.array(sampleGenerationSchema).optional(),
  /** Loss of the last optimizer step (what a command prints as its final loss). */
  lastStepLoss: z.number().optional(),
  /** Mean training loss over every step of the run (HF's `train_loss`). */
  meanTrainingLoss: z.number().optional(),
  /** Training throughput of the whole run (tokens per second). */
  tokensPerSecond: z.number().nonnegative().optional(),
  /** Training tokens seen and wall-clock seconds, shown when given. */
  totalTokens: z.number().nonnegative().optional(),
  trainSeconds: z.number().nonnegative().optional(),
  /** What was trained (e.g. `gpt2 + LoRA r=8`). */
  model: z.string().optional(),
  /** Settings to list (e.g. the TrainingArguments), name → value. */
  settings: z.record(z.string(), scalar).optional(),
  /** When the report was made (default: now). */
  createdAt: z.union([z.date(), z.string()]).optional(),
});

/** Input of {@link writeTrainingReport} / {@link renderTrainingReport} (arrays may be readonly). */
export type TrainingReportData = Omit<z.input<typeof trainingReportDataSchema>, 'log' | 'samples'> & {
  log?: readonly TrainerLogEntryInput[] | undefined;
  samples?: readonly SampleGeneration[] | undefined;
};
/** Parsed report data. */
export type ParsedTrainingReportData = z.output<typeof trainingReportDataSchema>;

/** Validates report data; errors name the field (`samples.1.after: ...`). */
export function parseTrainingReportData(data: unknown): ParsedTrainingReportData {
  const r = trainingReportDataSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`training report data: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}
