// A user's install, outside the workspace: `pnpm pack:all`'s tarballs installed with npm into a fresh
// folder under the OS temp dir (third-party dependencies such as tfjs-core come from the npm
// registry; nothing from the workspace), then program/quickstart.ts — the README quickstarts —
// compiled with TypeScript (`moduleResolution: node16`, `skipLibCheck: false`) and run as plain Node
// ESM, and type-checked again with `moduleResolution: bundler`. Every tarball also passes
// `npm publish --dry-run`. This is where a broken `exports` map, a file missing from `files` or a
// `workspace:` range left in a manifest shows up before a user sees it.
import { execFile } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll, publishablePackages } from '../../pack-all.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const fixtures = join(repo, 'fixtures', 'gpt2-tiny-ref');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** What the quickstart imports, and the @gptft packages those depend on. */
const QUICKSTART_PACKAGES = [
  '@gptft/backend',
  '@gptft/backend-wasm',
  '@gptft/gpt2-model',
  '@gptft/heads',
  '@gptft/hub',
  '@gptft/nn',
  '@gptft/peft',
  '@gptft/tokenizer',
];

const compilerOptions = {
  target: 'es2022',
  strict: true,
  skipLibCheck: false,
  // no `types`: every installed @types package counts, as in a new project (tfjs-core's @types/long…)
};

let dir: string;
let app: string;
let tarballs: Record<string, string>;
const keep = process.env.GPTFT_KEEP_CONSUMER === '1';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gptft-consumer-'));
  app = join(dir, 'app');
  tarballs = packAll({ out: join(dir, 'tarballs'), build: false, log: () => {} });
  rmSync(app, { recursive: true, force: true });
  const { mkdirSync, copyFileSync } = await import('node:fs');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'gptft-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  copyFileSync(join(here, '..', 'program', 'quickstart.ts'), join(app, 'quickstart.ts'));
  writeFileSync(
    join(app, 'tsconfig.node16.json'),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16', outDir: 'out' },
      files: ['quickstart.ts'],
    }),
  );
  writeFileSync(
    join(app, 'tsconfig.bundler.json'),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'esnext', moduleResolution: 'bundler', noEmit: true },
      files: ['quickstart.ts'],
    }),
  );
  // The tarballs (all of them in one command, so npm resolves `@gptft/x: 0.1.0` to the tarball, not
  // the registry) and Node's types for the type check.
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--prefer-offline',
      ...QUICKSTART_PACKAGES.map((p) => tarballs[p]!),
      '@types/node@^20.19.0',
    ],
    { cwd: app, maxBuffer: 16 * 1024 * 1024 },
  );
}, 600_000);

afterAll(() => {
  if (dir && !keep) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it('are one per publishable package, each checked (no workspace: range, licence, README, every exported file)', () => {
    const names = publishablePackages().map((p: { manifest: { name: string } }) => p.manifest.name);
    expect(Object.keys(tarballs).sort()).toEqual([...names].sort());
    expect(names.length).toBeGreaterThanOrEqual(QUICKSTART_PACKAGES.length);
  });

  it('install from the tarballs alone: every @gptft package is a real folder outside the workspace', () => {
    const scope = join(app, 'node_modules', '@gptft');
    const installed = readdirSync(scope).map((n) => `@gptft/${n}`);
    expect(installed.sort()).toEqual([...QUICKSTART_PACKAGES].sort());
    for (const name of installed) {
      const path = join(app, 'node_modules', name);
      expect(lstatSync(path).isSymbolicLink()).toBe(false);
      expect(realpathSync(path).startsWith(repo + sep)).toBe(false);
      expect(existsSync(join(path, 'LICENSE'))).toBe(true);
    }
    // the @tensorflow/tfjs union (layers, converter, data, webgl) is not pulled in: tfjs-core and the
    // wasm backend (with the cpu backend it depends on) only
    const tf = readdirSync(join(app, 'node_modules', '@tensorflow')).sort();
    expect(tf).toEqual(['tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-core']);
  });

  it('pass `npm publish --dry-run`', async () => {
    const all = Object.values(tarballs);
    for (let i = 0; i < all.length; i += 5) {
      await Promise.all(
        all.slice(i, i + 5).map(async (tgz) => {
          const { stdout, stderr } = await run('npm', ['publish', '--dry-run', '--access', 'public', tgz], {
            cwd: dir,
          });
          const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
          expect(manifest.name).toBe('gptft-consumer');
          expect(`${stdout}${stderr}`).toMatch(/\+ @gptft\/[a-z0-9-]+@\d+\.\d+\.\d+/);
          expect(stderr).toMatch(/LICENSE/);
        }),
      );
    }
  }, 300_000);
});

describe('the README quickstart in a consumer project', () => {
  it('compiles with moduleResolution node16 (skipLibCheck false) and runs as plain Node ESM', async () => {
    await run(process.execPath, [tsc, '-p', 'tsconfig.node16.json'], { cwd: app });
    const adapter = join(dir, 'my-lora');
    const { stdout } = await run(process.execPath, [join(app, 'out', 'quickstart.js'), fixtures, adapter], {
      cwd: app,
      env: { ...process.env, GPTFT_WASM_THREADS: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.backend).toBe('wasm');
    // greedy ids equal PyTorch's on the same checkpoint (fixtures/gpt2-tiny-ref/expected.json)
    expect(result.greedy.length).toBeGreaterThan(0);
    for (const g of result.greedy) {
      expect(g.promptIds).toEqual(g.expectedPromptIds);
      expect(g.ids).toEqual(g.expected);
    }
    // a few LoRA steps lower the loss; the saved adapter loads back to the same logits
    expect(result.losses).toHaveLength(5);
    expect(result.losses.every(Number.isFinite)).toBe(true);
    expect(result.lossAfter).toBeLessThan(result.lossBefore - 0.1); // without dropout, before vs after
    expect(existsSync(join(adapter, 'adapter_config.json'))).toBe(true);
    expect(existsSync(join(adapter, 'adapter_model.safetensors'))).toBe(true);
    expect(result.logits).toBeGreaterThan(0);
    expect(result.maxDiff).toBeLessThanOrEqual(1e-5);
  }, 300_000);

  it('type-checks with moduleResolution bundler (skipLibCheck false)', async () => {
    await run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], { cwd: app });
  }, 300_000);
});
