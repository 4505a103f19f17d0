/**
 * @gptft/report — training reports: `writeTrainingReport(dir, data)` writes a self-contained
 * offline `report.html` (loss, validation-loss, learning-rate and tokens/s charts as inline SVG,
 * final metrics, sample generations before vs after) and a `loss-curve.svg` for READMEs, from the
 * trainer's JSONL log.
 */
export {
  LOSS_CURVE_FILE,
  REPORT_FILE,
  TRAINER_LOG_FILE,
  type WrittenReport,
  writeTrainingReport,
} from './write-report.js';
export { renderLossCurveSvg, renderTrainingReport } from './report-html.js';
export {
  type ParsedTrainingReportData,
  parseTrainingReportData,
  type SampleGeneration,
  sampleGenerationSchema,
  type TrainingReportData,
  trainingReportDataSchema,
} from './report-data.js';
export { type ChartSeries, type LineChartOptions, renderLineChart } from './line-chart.js';
export {
  lastEvaluation,
  type Points,
  seriesOf,
  type TrainingSeries,
  trainingSeries,
} from './training-series.js';
export { type AxisScale, formatTick, niceScale } from './nice-scale.js';
export { escapeHtml } from './escape.js';
export {
  parseTrainerLog,
  parseTrainerLogEntry,
  readTrainerLog,
  type TrainerLogEntry,
  type TrainerLogEntryInput,
  trainerLogEntrySchema,
} from './trainer-log.js';
