import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * A number; `null` (what JSON.stringify writes for NaN/Infinity), NaN and ±Infinity (in-memory
 * entries of a diverged run) are read as missing, so they never break a chart.
 */
const metric = z
  .custom<number | null | undefined>((v) => v == null || typeof v === 'number', 'expected a number')
  .transform((v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined))
  .optional();

/**
 * One line of the trainer's `log.jsonl` (the shape of `@gptft/trainer`'s `LogEntry`): training
 * lines carry `loss`, `learningRate`, `gradNorm`; evaluation lines carry `eval_loss` and
 * `eval_<metric>` (HF's names; `evalLoss` from older logs is read too). Unknown keys are kept.
 * This package defines the schema itself so that it does not depend on the trainer.
 */
export const trainerLogEntrySchema = z.looseObject({
  step: z.number().int().nonnegative(),
  epoch: z.number().nonnegative(),
  loss: metric,
  learningRate: metric,
  gradNorm: metric,
  eval_loss: metric,
  evalLoss: metric,
  /** Training throughput over the logging interval, when the trainer records it. */
  tokensPerSecond: metric,
});

/** A parsed log line. */
export type TrainerLogEntry = z.infer<typeof trainerLogEntrySchema>;
/** What a log line may look like before parsing (the trainer's `LogEntry` fits). */
export type TrainerLogEntryInput = z.input<typeof trainerLogEntrySchema>;

/** Parses one log entry; `where` (e.g. `log.jsonl:3`) starts the error message. */
export function parseTrainerLogEntry(value: unknown, where = 'log entry'): TrainerLogEntry {
  const r = trainerLogEntrySchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** Parses JSONL text (one entry a line, blank lines skipped); errors name `source:line`. */
export function parseTrainerLog(text: string, source = 'log.jsonl'): TrainerLogEntry[] {
  const out: TrainerLogEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${source}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
    }
    out.push(parseTrainerLogEntry(json, where));
  }
  return out;
}

/** Reads a trainer `log.jsonl`; a malformed line is reported as `path:line: field: problem`. */
export async function readTrainerLog(path: string): Promise<TrainerLogEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(
      `${path}: cannot read the trainer log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parseTrainerLog(text, path);
}
