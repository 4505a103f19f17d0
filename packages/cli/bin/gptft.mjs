#!/usr/bin/env node
// The `gptft` command. Runs the built CLI (`dist/bin.js`). In a checkout of the gptft repository
// run through pnpm (`pnpm gptft …` runs this file through the root's dependency on @gptft/cli), it first
// brings `dist/` up to date with turbo (cached: well under a second when nothing changed), saying on
// stderr what it builds when that takes longer, and the build's output only when it fails, so
// `--json` leaves one JSON object on stdout.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const distBin = join(pkg, 'dist', 'bin.js');
const turbo = join(repo, 'node_modules', '.bin', 'turbo');
const viaPnpm = process.env.npm_config_user_agent?.startsWith('pnpm/') ?? false; // turbo needs pnpm on PATH
if (viaPnpm && existsSync(join(pkg, 'src')) && existsSync(join(repo, 'turbo.json')) && existsSync(turbo)) {
  await buildFirst();
}
if (!existsSync(distBin)) {
  process.stderr.write(
    `gptft: the command line is not built (${distBin} is missing)\n  hint: run \`npx --yes pnpm@10.34.8 build\` in the repository\n`,
  );
  process.exit(1);
}
await import(pathToFileURL(distBin).href);

/**
 * Brings dist/ up to date with turbo (its telemetry notice off). Silent when turbo's cache makes it
 * quick; after a second, one line says what is being built, and a second line when it is done; the
 * build's own output, on stderr, only when it fails.
 */
async function buildFirst() {
  const started = Date.now();
  const child = spawn(turbo, ['run', 'build', '--filter=@gptft/cli...', '--output-logs=errors-only'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  let announced = false;
  const timer = setTimeout(() => {
    announced = true;
    process.stderr.write(
      'gptft: building the command line and the packages it uses (TypeScript → dist/, cached after the first time; a minute or two on a first run)…\n',
    );
  }, 1000);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) {
    process.stderr.write(`${output}gptft: error: building the command line failed (above)\n`);
    process.exit(1);
  }
  if (announced) process.stderr.write(`gptft: built in ${Math.round((Date.now() - started) / 1000)}s\n`);
}
