import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const pkg = fileURLToPath(new URL('..', import.meta.url));

it("the README's quick start runs and prints what its comments say", () => {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const start = readme.indexOf('```ts\nimport {');
  const code = readme.slice(start + 6, readme.indexOf('```', start + 6));
  // Import the built package (test runs after build) and run from the package folder.
  const dist = pathToFileURL(join(pkg, 'dist/index.js')).href;
  const file = join(tmp.dir, 'quickstart.mts');
  writeFileSync(file, code.replace("from '@gptft/datasets'", `from '${dist}'`));
  const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: pkg, encoding: 'utf8' });
  const lines = out.split('\n');
  expect(lines[0]).toBe("9 3 { role: 'user', content: 'Who are you?' }");
  expect(out).toContain('[ 4, 131 ] Int32Array(4) [ 7, -100, -100, -100 ]');
  expect(out).toContain(
    'Int32Array(4) [ 15496, 995, 40, 50256 ] Int32Array(4) [ 1, 1, 1, 0 ] Int32Array(4) [ 15496, 995, 40, -100 ]',
  );
});
