/**
 * Finding a backend package installed beside the application (pnpm's strict layout), Node's way.
 * The browser build swaps this module for `browser/resolve-from-app.ts` (package.json `browser`
 * map): a page's bundle holds the backends it imports (`import '@gptft/backend-wasm'`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The file `import(specifier)` would load from `folder`. `require.resolve` alone fails for an
 * ESM-only package (its `exports` has no `require`/`default` condition), so that case reads the
 * package's `exports['.'].import` (or `module`/`main`) itself.
 */
function resolveFrom(folder: string, specifier: string): string {
  const require = createRequire(join(folder, 'noop.js'));
  try {
    return require.resolve(specifier);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
  }
  const manifest = require.resolve(`${specifier}/package.json`);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports?: Record<string, string | { import?: string; default?: string }>;
    module?: string;
    main?: string;
  };
  const root = pkg.exports?.['.'];
  const entry = (typeof root === 'string' ? root : (root?.import ?? root?.default)) ?? pkg.module ?? pkg.main;
  return join(dirname(manifest), entry ?? 'index.js');
}

/** The `file:` URL `import(specifier)` would load from the application's folder (`process.cwd()`). */
export function resolveFromApp(specifier: string): string {
  return pathToFileURL(resolveFrom(process.cwd(), specifier)).href;
}
