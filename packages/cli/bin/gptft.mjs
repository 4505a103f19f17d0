#!/usr/bin/env node
// The `gptft` command. Runs the built CLI (`dist/bin.js`). In a checkout of the gptft repository
// (where `pnpm gptft …` runs this file through the root's dependency on @gptft/cli), it first
// brings `dist/` up to date with turbo (cached: about a second when nothing changed), writing the
// build's output to stderr so that `--json` leaves exactly one JSON object on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const distBin = join(pkg, 'dist', 'bin.js');
const turbo = join(repo, 'node_modules', '.bin', 'turbo');
if (existsSync(join(pkg, 'src')) && existsSync(join(repo, 'turbo.json')) && existsSync(turbo)) {
  spawnSync(turbo, ['run', 'build', '--filter=@gptft/cli...', '--output-logs=errors-only'], {
    cwd: repo,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
}
if (!existsSync(distBin)) {
  process.stderr.write(
    `gptft: the command line is not built (${distBin} is missing)\n  hint: run \`npx --yes pnpm@10.34.8 build\` in the repository\n`,
  );
  process.exit(1);
}
await import(pathToFileURL(distBin).href);
