#!/usr/bin/env node
// `pnpm pack:all [--out <folder>] [--no-build]`: builds every publishable @gptft package (turbo),
// packs each into <folder>/gptft-<name>-<version>.tgz with `pnpm pack` (which rewrites `workspace:`
// ranges to the packed versions), then checks every tarball the way a user's install would see it:
// no `workspace:` range left, a licence (field and LICENSE file), a README, and every file that
// `main`, `types`, `bin` and each `exports` target names present in the tarball. Prints one line a
// package and exits non-zero on the first problem. The default folder is `<repo>/packed`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = ['--yes', 'pnpm@10.34.8'];

/** The publishable packages: every `packages/*` whose package.json is not private. */
export function publishablePackages() {
  const root = join(repo, 'packages');
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter((p) => p.manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** Every path a manifest points at (`main`, `types`, `bin`, each `exports` target). */
function pointedFiles(manifest) {
  const out = new Set();
  const add = (v) => {
    if (typeof v === 'string') out.add(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) add(x);
  };
  add(manifest.main);
  add(manifest.types);
  add(manifest.bin);
  add(manifest.exports);
  return [...out].filter((p) => !p.includes('*'));
}

/** The problems of one packed tarball (empty when it is fine). */
export function checkTarball(tgz) {
  const list = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
  const files = new Set(list);
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }),
  );
  const problems = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${name} is still "${range}"`);
    }
  }
  if (!manifest.license) problems.push('no "license" field');
  if (!list.some((p) => /^LICEN[CS]E(\.md|\.txt)?$/i.test(p))) problems.push('no LICENSE file');
  if (!list.some((p) => /^README\.md$/i.test(p))) problems.push('no README.md');
  if (manifest.type !== 'module') problems.push('"type" is not "module"');
  for (const p of pointedFiles(manifest))
    if (!files.has(p)) problems.push(`${p} is named in package.json but not packed`);
  for (const p of list)
    if (/(^|\/)(test|src)\//.test(p) || p.endsWith('.test.js')) problems.push(`${p} should not be packed`);
  return { manifest, files: list, problems };
}

/** Packs every publishable package into `out`; returns the tarballs' paths by package name. */
export function packAll({
  out = join(repo, 'packed'),
  build = true,
  log = (s) => process.stdout.write(`${s}\n`),
} = {}) {
  const packages = publishablePackages();
  if (build) {
    log(`pack:all: building ${packages.length} packages (turbo; cached when nothing changed)…`);
    const filters = packages.map((p) => `--filter=${p.manifest.name}`);
    const r = spawnSync(
      join(repo, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', ...filters, '--output-logs=errors-only'],
      {
        cwd: repo,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      },
    );
    if (r.status !== 0) throw new Error('pack:all: the build failed (above)');
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // One recursive `pnpm pack`: it rewrites `workspace:` ranges to the packed versions, and each
  // package's prepack script (tooling/license.mjs) puts the repository's LICENSE in its tarball.
  const filters = packages.map((p) => `--filter=${p.manifest.name}`);
  const stdout = execFileSync(
    'npx',
    [...PNPM, '-r', ...filters, 'pack', '--pack-destination', out, '--json'],
    {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const packed = JSON.parse(stdout.slice(stdout.indexOf('[')));
  const tarballs = {};
  for (const { name, version, filename } of [packed].flat().sort((a, b) => a.name.localeCompare(b.name))) {
    const tgz = resolve(out, filename);
    const { files, problems } = checkTarball(tgz);
    if (problems.length) throw new Error(`pack:all: ${relative(repo, tgz)}: ${problems.join('; ')}`);
    log(`${name}@${version}  ${files.length} files  ${relative(process.cwd(), tgz)}`);
    tarballs[name] = tgz;
  }
  if (Object.keys(tarballs).length !== packages.length)
    throw new Error(`pack:all: packed ${Object.keys(tarballs).length} of ${packages.length} packages`);
  return tarballs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  try {
    const tarballs = packAll({
      ...(at >= 0 && { out: resolve(args[at + 1]) }),
      build: !args.includes('--no-build'),
    });
    process.stdout.write(
      `pack:all: ${Object.keys(tarballs).length} tarballs, no workspace: ranges, every exported file present\n`,
    );
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}
