/**
 * @gptft/report — training reports: a self-contained offline `report.html` and a `loss-curve.svg`
 * from the trainer's JSONL log.
 */
export {
  parseTrainerLog,
  parseTrainerLogEntry,
  readTrainerLog,
  type TrainerLogEntry,
  type TrainerLogEntryInput,
  trainerLogEntrySchema,
} from './trainer-log.js';
