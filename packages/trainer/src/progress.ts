import type { LogEntry } from './trainer-state.js';

/** Where progress goes: `process.stderr` by default; a TTY gets a bar redrawn in place. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressDisplay}. */
export interface ProgressOptions {
  stream: ProgressStream;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
}

/** One finished optimizer step, as the Trainer reports it. */
export interface ProgressStep {
  step: number;
  loss: number;
  learningRate: number;
  /** Tokens in the step's micro-batches, when known (for tokens/s). */
  tokens?: number;
}

/** `1h02m03s`, `4m05s`, `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m${pad(r)}s` : m > 0 ? `${m}m${pad(r)}s` : `${r}s`;
}

const num = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3));

/**
 * Training progress like HF's tqdm bar: on a TTY one line redrawn in place after every step —
 * `step/total`, a bar, loss, learning rate, tokens/s and ETA — with log entries printed above it;
 * on anything else (a file, CI) no bar, one plain line per log entry (at `loggingSteps`).
 */
export class ProgressDisplay {
  private readonly now: () => number;
  private readonly tty: boolean;
  private total = 0;
  private firstStep = 0;
  private startedAt = 0;
  private tokens = 0;
  private last: ProgressStep | undefined;
  private barShown = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.tty = options.stream.isTTY === true;
  }

  /** Starts timing; `step` is where training starts (non-zero when resuming). */
  start(totalSteps: number, step = 0): void {
    this.total = totalSteps;
    this.firstStep = step;
    this.startedAt = this.now();
    this.tokens = 0;
  }

  /** Tokens per second since `start` (undefined when no token counts were given). */
  get tokensPerSecond(): number | undefined {
    const dt = (this.now() - this.startedAt) / 1000;
    return this.tokens > 0 && dt > 0 ? this.tokens / dt : undefined;
  }

  /** Seconds left at the pace since `start`. */
  get etaSeconds(): number {
    const done = (this.last?.step ?? this.firstStep) - this.firstStep;
    if (done <= 0) return Number.NaN;
    return (((this.now() - this.startedAt) / 1000) * (this.total - this.firstStep - done)) / done;
  }

  /** After each optimizer step: redraws the bar on a TTY. */
  step(s: ProgressStep): void {
    this.last = s;
    this.tokens += s.tokens ?? 0;
    if (this.tty) this.drawBar();
  }

  /** A log entry (training or evaluation): printed as a line (above the bar on a TTY). */
  log(entry: LogEntry): void {
    const parts = [`step ${entry.step}/${this.total}`, `epoch ${entry.epoch.toFixed(2)}`];
    for (const [k, v] of Object.entries(entry)) {
      if (k === 'step' || k === 'epoch' || v === undefined) continue;
      parts.push(`${k} ${num(v)}`);
    }
    if (entry.loss !== undefined) {
      const tps = this.tokensPerSecond;
      if (tps !== undefined) parts.push(`${tps.toFixed(1)} tok/s`);
      parts.push(`ETA ${formatDuration(this.etaSeconds)}`);
    }
    const line = parts.join(' | ');
    if (this.tty) {
      this.options.stream.write(`\r\x1b[2K${line}\n`);
      if (this.barShown) this.drawBar();
    } else {
      this.options.stream.write(`${line}\n`);
    }
  }

  /** Ends the bar's line (TTY). */
  end(): void {
    if (this.tty && this.barShown) this.options.stream.write('\n');
    this.barShown = false;
  }

  /** The bar's text (without control characters). */
  barLine(): string {
    const s = this.last;
    const step = s?.step ?? this.firstStep;
    const frac = this.total > 0 ? step / this.total : 0;
    const width = 20;
    const filled = Math.round(frac * width);
    const parts = [
      `${step}/${this.total} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(frac * 100)}%`,
    ];
    if (s) parts.push(`loss ${num(s.loss)}`, `lr ${s.learningRate.toExponential(2)}`);
    const tps = this.tokensPerSecond;
    if (tps !== undefined) parts.push(`${tps.toFixed(1)} tok/s`);
    parts.push(`ETA ${formatDuration(this.etaSeconds)}`);
    const line = parts.join(' | ');
    const cols = this.options.stream.columns;
    return cols && line.length > cols - 1 ? line.slice(0, cols - 1) : line;
  }

  private drawBar(): void {
    this.options.stream.write(`\r\x1b[2K${this.barLine()}`);
    this.barShown = true;
  }
}
