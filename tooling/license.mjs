#!/usr/bin/env node
// A package's `prepack` / `postpack`: copies the repository's one LICENSE into the package folder
// for `pnpm pack` / `pnpm publish` (both pack LICENSE whatever `files` says), and removes it after
// (`--remove`), so the tarball carries the licence text without twenty copies in git.
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = join(dirname(fileURLToPath(import.meta.url)), '..', 'LICENSE');
const target = join(process.cwd(), 'LICENSE');
if (process.argv.includes('--remove')) rmSync(target, { force: true });
else if (!existsSync(target)) copyFileSync(source, target);
