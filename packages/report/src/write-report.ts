import { join } from 'node:path';
import { writeFileAtomic } from '@gptft/hub';
import { parseTrainingReportData, type TrainingReportData } from './report-data.js';
import { renderLossCurveSvg, renderTrainingReport } from './report-html.js';
import { readTrainerLog } from './trainer-log.js';

/** File names {@link writeTrainingReport} writes. */
export const REPORT_FILE = 'report.html';
export const LOSS_CURVE_FILE = 'loss-curve.svg';
/** The trainer's log file name in its output folder. */
export const TRAINER_LOG_FILE = 'log.jsonl';

/** Paths {@link writeTrainingReport} wrote. */
export interface WrittenReport {
  report: string;
  lossCurve: string;
}

/**
 * Writes `<dir>/report.html` (self-contained: inline CSS and SVG, no scripts or external
 * references) and `<dir>/loss-curve.svg`, each atomically. The log comes from `data.log`, or
 * else from `<dir>/log.jsonl` (the trainer's log in its output folder); a malformed log line is
 * reported as `file:line: field: problem`.
 */
export async function writeTrainingReport(
  dir: string,
  data: TrainingReportData = {},
): Promise<WrittenReport> {
  const parsed = parseTrainingReportData(data);
  const log = parsed.log ?? (await readTrainerLog(join(dir, TRAINER_LOG_FILE)));
  const html = renderTrainingReport({ ...parsed, log });
  const svg = renderLossCurveSvg(log, parsed.title ? `${parsed.title}: loss` : 'Loss');
  const report = join(dir, REPORT_FILE);
  const lossCurve = join(dir, LOSS_CURVE_FILE);
  await writeFileAtomic(lossCurve, `${svg}\n`);
  await writeFileAtomic(report, html);
  return { report, lossCurve };
}
