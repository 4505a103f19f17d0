// `pnpm bench` at the repository root: every package's benchmarks (turbo, one at a time), then the
// rows of issue 12 that they recorded — gptft and PyTorch 1.13 from the same run, the ratio, peak
// RSS and the backend's tensor peak — in one table. Rows come from `recordBenchRows`
// (@gptft/backend/bench), through a temporary file named by GPTFT_BENCH_RECORD.
//
//   pnpm bench                      all packages' benches, then the summary
//   pnpm bench --filter=@gptft/x    turbo's arguments pass through
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'gptft-bench-'));
const record = join(dir, 'rows.jsonl');
const startLoad = loadavg()[0];
const run = spawnSync('npx', ['turbo', 'run', 'bench', '--concurrency=1', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GPTFT_BENCH_RECORD: record },
});
let rows = [];
try {
  rows = readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // no package recorded rows (filtered out, or failed before printing)
}
rmSync(dir, { recursive: true, force: true });
if (rows.length > 0) {
  const { printBenchRows } = await import('../packages/backend/dist/bench/index.js');
  printBenchRows(
    `gptft vs PyTorch, one run (load average ${startLoad.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end)`,
    rows,
  );
}
process.exit(run.status ?? 1);
