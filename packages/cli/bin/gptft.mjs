#!/usr/bin/env node
// The `gptft` command. Runs the built CLI (`dist/bin.js`). In a checkout of the gptft repository
// run through pnpm (`pnpm gptft …` runs this file through the root's dependency on @gptft/cli), it first
// brings `dist/` up to date with turbo (cached: well under a second when nothing changed), showing
// the build's output, on stderr, only when it fails, so `--json` leaves one JSON object on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const distBin = join(pkg, 'dist', 'bin.js');
const turbo = join(repo, 'node_modules', '.bin', 'turbo');
const viaPnpm = process.env.npm_config_user_agent?.startsWith('pnpm/') ?? false; // turbo needs pnpm on PATH
if (viaPnpm && existsSync(join(pkg, 'src')) && existsSync(join(repo, 'turbo.json')) && existsSync(turbo)) {
  const build = spawnSync(turbo, ['run', 'build', '--filter=@gptft/cli...', '--output-logs=errors-only'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  // Quiet when the build is fine; its whole output (on stderr) when it is not.
  if (build.status !== 0) {
    process.stderr.write(
      `${build.stdout ?? ''}${build.stderr ?? ''}gptft: building the command line failed (above)\n`,
    );
    process.exit(1);
  }
}
if (!existsSync(distBin)) {
  process.stderr.write(
    `gptft: the command line is not built (${distBin} is missing)\n  hint: run \`npx --yes pnpm@10.34.8 build\` in the repository\n`,
  );
  process.exit(1);
}
await import(pathToFileURL(distBin).href);
