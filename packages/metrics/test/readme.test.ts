import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

it("the README's quick start runs against the built package and prints what its comments say", () => {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const start = readme.indexOf('```ts\nimport {');
  const code = readme.slice(start + 6, readme.indexOf('```', start + 6));
  const dist = pathToFileURL(join(pkg, 'dist/index.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'gptft-metrics-readme-'));
  try {
    const file = join(dir, 'quickstart.mts');
    writeFileSync(file, code.replace("from '@gptft/metrics'", `from '${dist}'`));
    const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: pkg, encoding: 'utf8' });
    // Every `console.log(...); // expected` comment in the snippet, in order.
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBe(12);
    expect(out.trimEnd().split('\n')).toEqual(expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
