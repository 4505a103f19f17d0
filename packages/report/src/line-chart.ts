import { escapeHtml } from './escape.js';
import { formatTick, niceScale } from './nice-scale.js';
import type { Points } from './training-series.js';

/** One line of a chart. */
export interface ChartSeries {
  name: string;
  points: Points;
  /** CSS colour (default: from a colour-blind-safe palette). */
  color?: string;
  /** Draw a dot at every point (for sparse series such as evaluation loss). */
  markers?: boolean;
}

/** Options of {@link renderLineChart}. */
export interface LineChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** Okabe–Ito colours (distinguishable with colour-blindness). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const MARGIN = { top: 36, right: 16, bottom: 44, left: 64 };

/** Two decimals are sub-pixel; keeps the SVG small. */
const px = (v: number) => String(Math.round(v * 100) / 100);

/**
 * A self-contained SVG line chart (no scripts, no external references, presentation attributes
 * only, so it renders the same inline in HTML, as a file, or in a README).
 *
 * The plot area is the `<g class="plot">` element; its `data-x-min/max`, `data-y-min/max` and
 * `data-left/top/width/height` attributes state the axis ranges and where they are drawn, so a
 * point (x, y) is at `left + (x − xMin)/(xMax − xMin)·width`, `top + (yMax − y)/(yMax − yMin)·height`.
 * Each series is a `<polyline class="series" data-series="name">`.
 */
export function renderLineChart(series: readonly ChartSeries[], options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 300;
  const w = width - MARGIN.left - MARGIN.right;
  const h = height - MARGIN.top - MARGIN.bottom;
  const all = series.flatMap((s) => s.points);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeHtml(options.title)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text x="${MARGIN.left}" y="20" font-size="14" font-weight="600" fill="#222222">${escapeHtml(options.title)}</text>`,
  );
  if (all.length === 0) {
    out.push(
      `<text x="${px(width / 2)}" y="${px(height / 2)}" text-anchor="middle" fill="#777777">no data logged</text>`,
    );
    out.push('</svg>');
    return out.join('\n');
  }
  const xs = niceScale(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])), 6);
  const ys = niceScale(Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1])), 5);
  const X = (x: number) => MARGIN.left + ((x - xs.min) / (xs.max - xs.min)) * w;
  const Y = (y: number) => MARGIN.top + ((ys.max - y) / (ys.max - ys.min)) * h;
  out.push(
    `<g class="plot" data-x-min="${xs.min}" data-x-max="${xs.max}" data-y-min="${ys.min}" data-y-max="${ys.max}" data-left="${MARGIN.left}" data-top="${MARGIN.top}" data-width="${w}" data-height="${h}">`,
  );
  // grid and ticks
  for (const t of ys.ticks) {
    out.push(
      `<line class="grid-y" x1="${MARGIN.left}" x2="${MARGIN.left + w}" y1="${px(Y(t))}" y2="${px(Y(t))}" stroke="#e5e5e5"/>`,
    );
    out.push(
      `<text class="tick-y" x="${MARGIN.left - 6}" y="${px(Y(t) + 4)}" text-anchor="end" fill="#555555">${escapeHtml(formatTick(t))}</text>`,
    );
  }
  for (const t of xs.ticks) {
    out.push(
      `<line class="grid-x" x1="${px(X(t))}" x2="${px(X(t))}" y1="${MARGIN.top}" y2="${MARGIN.top + h}" stroke="#f0f0f0"/>`,
    );
    out.push(
      `<text class="tick-x" x="${px(X(t))}" y="${MARGIN.top + h + 16}" text-anchor="middle" fill="#555555">${escapeHtml(formatTick(t))}</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#999999"/>`,
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const pts = s.points.map(([x, y]) => `${px(X(x))},${px(Y(y))}`).join(' ');
    out.push(
      `<polyline class="series" data-series="${escapeHtml(s.name)}" points="${pts}" fill="none" stroke="${escapeHtml(color)}" stroke-width="2" stroke-linejoin="round"/>`,
    );
    if (s.markers || s.points.length === 1) {
      for (const [x, y] of s.points) {
        out.push(`<circle cx="${px(X(x))}" cy="${px(Y(y))}" r="3" fill="${escapeHtml(color)}"/>`);
      }
    }
  });
  out.push('</g>');
  // axis labels and legend
  if (options.xLabel) {
    out.push(
      `<text x="${px(MARGIN.left + w / 2)}" y="${height - 8}" text-anchor="middle" fill="#333333">${escapeHtml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    out.push(
      `<text transform="translate(14 ${px(MARGIN.top + h / 2)}) rotate(-90)" text-anchor="middle" fill="#333333">${escapeHtml(options.yLabel)}</text>`,
    );
  }
  let lx = MARGIN.left + w;
  const legend = series.filter((s) => s.points.length > 0);
  for (let i = legend.length - 1; i >= 0; i--) {
    const s = legend[i]!;
    const color = s.color ?? PALETTE[series.indexOf(s) % PALETTE.length]!;
    const textW = 7 * s.name.length;
    lx -= textW;
    out.push(`<text class="legend" x="${px(lx)}" y="20" fill="#333333">${escapeHtml(s.name)}</text>`);
    out.push(`<rect x="${px(lx - 16)}" y="12" width="12" height="4" fill="${escapeHtml(color)}"/>`);
    lx -= 28;
  }
  out.push('</svg>');
  return out.join('\n');
}
