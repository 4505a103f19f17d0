import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDir, repoRoot } from './helpers.js';

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
});
