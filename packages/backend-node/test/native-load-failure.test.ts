// @gptft/backend-node is present and a binding is found, but its native part does not load: the
// error carries the loader's own reason.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError, registerBackend, useBackend } from '@gptft/backend';
import { afterAll, describe, expect, it } from 'vitest';
import { createTfjsNodeBackend } from '../src/index.js';

const spec = {
  name: 'tensorflow',
  module: '@tensorflow/tfjs-node',
  packages: ['@gptft/backend-node', '@tensorflow/tfjs-node'],
  priority: 30,
  gpu: false,
};

async function failure(load: string): Promise<BackendUnavailableError> {
  registerBackend(createTfjsNodeBackend({ ...spec, load }));
  try {
    await useBackend('tensorflow');
  } catch (error) {
    expect(error).toBeInstanceOf(BackendUnavailableError);
    return error as BackendUnavailableError;
  }
  throw new Error('expected a BackendUnavailableError');
}

let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function hasCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn(
      'skipped: "an addon linked against a libtensorflow that is gone" builds a native addon and needs a C ' +
        'compiler as `cc` on PATH (e.g. apt-get install gcc).',
    );
    return false;
  }
}

describe('the binding is installed but its native part fails to load', () => {
  it('an addon that is not a shared library: dlopen says so', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/tfjs-node-broken/index.cjs', import.meta.url));
    const error = await failure(fixture);
    expect(error.backend).toBe('tensorflow');
    expect(error.reason).toMatch(
      /^loading @tensorflow\/tfjs-node failed: .*tfjs_binding\.node: invalid ELF header$/,
    );
    expect(error.message).toContain('pnpm add @gptft/backend-node @tensorflow/tfjs-node');
  });

  it.skipIf(!hasCompiler())(
    'an addon linked against a libtensorflow that is gone: dlopen names the library',
    async () => {
      // What a failed or deleted libtensorflow download looks like: build a real addon that links
      // libtensorflow.so.2 (a stub built here), then remove the stub.
      scratch = mkdtempSync(join(tmpdir(), 'gptft-tfjs-node-'));
      writeFileSync(join(scratch, 'stub.c'), 'int TF_Version(void) { return 2; }\n');
      writeFileSync(
        join(scratch, 'addon.c'),
        'int TF_Version(void);\nint touch(void) { return TF_Version(); }\n',
      );
      execFileSync('cc', [
        '-shared',
        '-fPIC',
        '-Wl,-soname,libtensorflow.so.2',
        '-o',
        join(scratch, 'libtensorflow.so.2'),
        join(scratch, 'stub.c'),
      ]);
      execFileSync('cc', [
        '-shared',
        '-fPIC',
        '-o',
        join(scratch, 'tfjs_binding.node'),
        join(scratch, 'addon.c'),
        join(scratch, 'libtensorflow.so.2'),
      ]);
      rmSync(join(scratch, 'libtensorflow.so.2'));
      writeFileSync(join(scratch, 'index.cjs'), "module.exports = require('./tfjs_binding.node');\n");
      const error = await failure(join(scratch, 'index.cjs'));
      expect(error.reason).toMatch(
        /^loading @tensorflow\/tfjs-node failed: libtensorflow\.so\.2: cannot open shared object file: No such file or directory$/,
      );
    },
  );
});
