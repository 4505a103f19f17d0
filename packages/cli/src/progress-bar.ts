import { formatDuration } from '@gptft/trainer';

/**
 * A one-line progress bar redrawn on a terminal (`eval 12/40 blocks [#####...] 30% | ETA 4s`), for
 * long work that is not training (the trainer draws its own): `draw(done)` after each piece,
 * `clear()` at the end so the result is printed on a clean line.
 */
export class ProgressBar {
  private readonly start = performance.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly unit: string,
    private readonly label = 'eval',
  ) {}

  draw(done: number): void {
    const seconds = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (seconds / done) * (this.total - done) : Number.NaN;
    const width = 20;
    const filled = Math.round((done / this.total) * width);
    const line = `${this.label} ${done}/${this.total} ${this.unit} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor((done / this.total) * 100)}% | ETA ${formatDuration(eta)}`;
    this.stream.write(`\r\x1b[2K${this.stream.columns ? line.slice(0, this.stream.columns - 1) : line}`);
  }

  clear(): void {
    this.stream.write('\r\x1b[2K');
  }
}
