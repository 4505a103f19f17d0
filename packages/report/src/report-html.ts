import { escapeHtml } from './escape.js';
import { renderLineChart } from './line-chart.js';
import {
  type ParsedTrainingReportData,
  parseTrainingReportData,
  type TrainingReportData,
} from './report-data.js';
import type { TrainerLogEntry } from './trainer-log.js';
import { lastEvaluation, type Points, trainingSeries } from './training-series.js';

const last = (p: Points) => (p.length ? p[p.length - 1]![1] : undefined);
const fmt = (v: number) =>
  Number.isInteger(v)
    ? v.toLocaleString('en-US')
    : Math.abs(v) >= 1e-3
      ? String(Number(v.toPrecision(5)))
      : v.toExponential(3);

/** What the last logged training loss averages: `mean of steps 41–50 (last logged)`. */
function lastLoggedSpan(p: Points): string {
  if (!p.length) return 'last logged';
  const to = p[p.length - 1]![0];
  const from = p.length > 1 ? p[p.length - 2]![0] + 1 : 1;
  return from === to
    ? `step ${fmt(to)} (last logged)`
    : `mean of steps ${fmt(from)}–${fmt(to)} (last logged)`;
}

/** The loss curves (training, and validation when logged) as a standalone SVG. */
export function renderLossCurveSvg(log: readonly TrainerLogEntry[], title = 'Loss'): string {
  const s = trainingSeries(log);
  return renderLineChart(
    [
      { name: 'training loss', points: s.trainLoss },
      { name: 'validation loss', points: s.evalLoss, markers: true },
    ],
    { title, xLabel: 'step', yLabel: 'loss' },
  );
}

const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; background: #f6f7f9; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; }
.sub { color: #666; margin: 0 0 20px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 140px; }
.card .k { color: #666; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 12px; }
.chart { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 4px; }
.chart svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #ddd; padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
footer { color: #888; font-size: 12px; margin-top: 32px; }
`;

function card(k: string, v: string | undefined): string {
  return v === undefined
    ? ''
    : `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v">${escapeHtml(v)}</div></div>`;
}

function table(head: string[], rows: string[][], classes: string[] = []): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${classes[i] ? ` class="${classes[i]}"` : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs}\n</tbody>\n</table>`;
}

/**
 * The report page as one HTML string: inline CSS and inline SVG charts, no scripts and no
 * external references, so it opens offline from any folder. Every text from the data is escaped.
 */
export function renderTrainingReport(data: TrainingReportData): string {
  const d: ParsedTrainingReportData = parseTrainingReportData(data);
  const log = d.log ?? [];
  const s = trainingSeries(log);
  const title = d.title ?? 'Training report';
  const created = d.createdAt === undefined ? new Date() : new Date(d.createdAt);
  const bestEval = s.evalLoss.length ? Math.min(...s.evalLoss.map(([, v]) => v)) : undefined;
  const tpsFromLog = s.tokensPerSecond.length
    ? s.tokensPerSecond.reduce((a, [, v]) => a + v, 0) / s.tokensPerSecond.length
    : undefined;
  const tps = d.tokensPerSecond ?? tpsFromLog;
  const opt = (v: number | undefined) => (v === undefined ? undefined : fmt(v));

  const charts: string[] = [renderLossCurveSvg(log, 'Training and validation loss')];
  charts.push(
    renderLineChart([{ name: 'learning rate', points: s.learningRate, color: '#009E73' }], {
      title: 'Learning rate',
      xLabel: 'step',
      yLabel: 'learning rate',
    }),
  );
  if (s.tokensPerSecond.length) {
    charts.push(
      renderLineChart([{ name: 'tokens/s', points: s.tokensPerSecond, color: '#CC79A7' }], {
        title: 'Throughput',
        xLabel: 'step',
        yLabel: 'tokens / s',
      }),
    );
  }
  if (s.gradNorm.length) {
    charts.push(
      renderLineChart([{ name: 'gradient norm', points: s.gradNorm, color: '#E69F00' }], {
        title: 'Gradient norm (before clipping)',
        xLabel: 'step',
        yLabel: 'L2 norm',
      }),
    );
  }

  const html: string[] = [];
  html.push('<!doctype html>');
  html.push('<html lang="en">');
  html.push('<head>');
  html.push('<meta charset="utf-8">');
  html.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  html.push(`<title>${escapeHtml(title)}</title>`);
  html.push(`<style>${CSS}</style>`);
  html.push('</head>');
  html.push('<body>');
  html.push('<main>');
  html.push(`<h1>${escapeHtml(title)}</h1>`);
  const sub = [
    d.model,
    `${fmt(s.steps)} optimizer steps`,
    `${fmt(s.epochs)} epochs done`,
    created.toISOString(),
  ].filter(Boolean);
  html.push(`<p class="sub">${sub.map((x) => escapeHtml(x)).join(' · ')}</p>`);
  html.push('<section class="cards">');
  // Three different "final" training losses; each card says which one it is.
  html.push(card(`training loss, last step (${fmt(s.steps)})`, opt(d.lastStepLoss)));
  html.push(card(`training loss, ${lastLoggedSpan(s.trainLoss)}`, opt(last(s.trainLoss))));
  html.push(card('training loss, mean of the whole run', opt(d.meanTrainingLoss)));
  html.push(card('epochs done', s.epochs > 0 ? fmt(s.epochs) : undefined));
  html.push(card('final validation loss', opt(last(s.evalLoss))));
  html.push(card('best validation loss', opt(bestEval)));
  html.push(card('tokens / s, whole run', opt(tps)));
  html.push(card('training tokens', opt(d.totalTokens)));
  html.push(card('training time (s)', opt(d.trainSeconds)));
  html.push('</section>');

  html.push('<h2>Curves</h2>');
  html.push('<section class="charts">');
  for (const c of charts) html.push(`<div class="chart">\n${c}\n</div>`);
  html.push('</section>');

  // the last evaluation's logged metrics, then the caller's (which win on the same name)
  const metrics = Object.entries({ ...lastEvaluation(log), ...(d.metrics ?? {}) });
  if (metrics.length) {
    html.push('<h2>Final metrics</h2>');
    html.push(
      table(
        ['metric', 'value'],
        metrics.map(([k, v]) => [k, typeof v === 'number' ? fmt(v) : v]),
        ['', 'num'],
      ),
    );
  }
  if (d.samples?.length) {
    html.push('<h2>Sample generations</h2>');
    html.push(
      table(
        ['prompt', 'before training', 'after training'],
        d.samples.map((x) => [x.prompt, x.before, x.after]),
        ['text', 'text', 'text'],
      ),
    );
  }
  const settings = Object.entries(d.settings ?? {});
  if (settings.length) {
    html.push('<h2>Settings</h2>');
    html.push(
      table(
        ['setting', 'value'],
        settings.map(([k, v]) => [k, String(v)]),
      ),
    );
  }
  html.push(`<footer>Made by @gptft/report from ${fmt(log.length)} log entries.</footer>`);
  html.push('</main>');
  html.push('</body>');
  html.push('</html>');
  return `${html.join('\n')}\n`;
}
