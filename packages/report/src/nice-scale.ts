/** An axis range with round tick values. */
export interface AxisScale {
  min: number;
  max: number;
  ticks: number[];
}

/** The "nice" step (1, 2, 2.5 or 5 × 10^k) nearest above `rough`. */
function niceStep(rough: number): number {
  const exp = Math.floor(Math.log10(rough));
  const base = 10 ** exp;
  const f = (rough / base) * (1 - 1e-9); // 2.0000000000000004 counts as 2
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * base;
}

/**
 * Extends [lo, hi] to round tick values, about `count` intervals (Heckbert's "nice numbers").
 * A single value gets a small range around it; the range always contains every data value.
 */
export function niceScale(lo: number, hi: number, count = 5): AxisScale {
  if (!Number.isFinite(lo) || !Number.isFinite(hi))
    throw new Error(`niceScale: non-finite range [${lo}, ${hi}]`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / count);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  const n = Math.round((max - min) / step);
  for (let i = 0; i <= n; i++) ticks.push(roundTo(min + i * step, step));
  return { min: ticks[0]!, max: ticks[ticks.length - 1]!, ticks };
}

/** Removes float noise (0.30000000000000004 → 0.3) relative to the tick step. */
function roundTo(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(digits, 20)));
}

/** Short tick label: 0.001 → "0.001", 12000 → "12k", 2.5e-5 → "2.5e-5". */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a < 1e-3) return v.toExponential(1).replace(/\.0e/, 'e').replace('e-0', 'e-');
  return String(Number(v.toPrecision(4)));
}
