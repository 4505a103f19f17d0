import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gptft, packageDir, repoRoot, tempDir } from './helpers.js';

describe('the gptft bin (bin/gptft.mjs, what `pnpm gptft` and an installed `gptft` run)', () => {
  it('is the package bin and prints exactly one JSON object on stdout with --json', () => {
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    expect(pkg.bin.gptft).toBe('./bin/gptft.mjs');
    // Not through pnpm (no user agent): no rebuild, the built dist/ runs as installed.
    const env: NodeJS.ProcessEnv = { ...process.env, GPTFT_WASM_THREADS: '1' };
    delete env.npm_config_user_agent;
    const out = execFileSync(
      process.execPath,
      [join(packageDir, pkg.bin.gptft), 'tokenize', '--text', 'Hello world', '--json'],
      { cwd: repoRoot, env, encoding: 'utf8' },
    );
    // GPT-2's ids for "Hello world" (OpenAI's encoder.py)
    expect(out).toBe('{"ids":[15496,995],"count":2}\n');
  });

  it('through pnpm it brings dist/ up to date with turbo without turbo or npm noise (issue 18 §3)', async () => {
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GPTFT_WASM_THREADS: '1',
      npm_config_user_agent: 'pnpm/10.34.8 npm/? node/v20 linux x64',
    };
    // `pnpm gptft` has pnpm on PATH (turbo needs it); a shim stands in for it here
    const shims = tempDir();
    writeFileSync(join(shims, 'pnpm'), '#!/bin/sh\nexec npx --yes pnpm@10.34.8 "$@"\n', { mode: 0o755 });
    env.PATH = `${shims}${delimiter}${env.PATH}`;
    env.COREPACK_INTEGRITY_KEYS = '0';
    delete env.TURBO_TELEMETRY_DISABLED; // the wrapper turns turbo's notice off itself
    delete env.DO_NOT_TRACK;
    // a first build takes minutes (in CI, `pnpm test` has built everything: turbo's cache answers)
    const r = await gptft(['tokenize', '--text', 'Hello world', '--json'], {
      script: join(packageDir, pkg.bin.gptft),
      baseEnv: env,
      timeoutMs: 590_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('{"ids":[15496,995],"count":2}\n');
    expect(r.stderr).not.toMatch(/telemetry|Attention|npm warn|Update available|turbo/i);
    // silent when cached; otherwise it says what it builds, then that it is done
    for (const line of r.stderr.trim().split('\n').filter(Boolean)) {
      expect(line).toMatch(/^gptft: (building the command line and the packages it uses .*…|built in \d+s)$/);
    }
  }, 600_000);

  it('the repository has no .npmrc (npm warned "Unknown project config" for its pnpm-only keys)', () => {
    expect(existsSync(join(repoRoot, '.npmrc'))).toBe(false);
    const workspace = readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
    expect(workspace).toMatch(/^autoInstallPeers: true$/m);
    expect(workspace).toMatch(/^updateNotifier: false$/m);
    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(root.scripts.demo).toBe('node packages/cli/bin/gptft.mjs demo');
  });
});
