// Finds the backend packages a benchmark can run on: installed ones (an application's
// node_modules) or, inside the gptft workspace, the built sibling packages. @gptft/backend cannot
// depend on them (they depend on it), so they are imported by path here.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SIBLINGS: Record<string, string> = {
  wasm: '../../backend-wasm/dist/index.js',
  cpu: '../../backend-cpu/dist/index.js',
  tensorflow: '../../backend-node/dist/index.js',
  'tensorflow-gpu': '../../backend-node-gpu/dist/index.js',
};

const PACKAGES: Record<string, string> = {
  wasm: '@gptft/backend-wasm',
  cpu: '@gptft/backend-cpu',
  tensorflow: '@gptft/backend-node',
  'tensorflow-gpu': '@gptft/backend-node-gpu',
};

/** Imports the gptft package of backend `name`; returns why not when it cannot. */
export async function loadBackendPackage(name: string): Promise<string | undefined> {
  try {
    await import(PACKAGES[name]!);
    return undefined;
  } catch {
    const sibling = new URL(SIBLINGS[name]!, import.meta.url);
    if (!existsSync(fileURLToPath(sibling))) {
      return `${PACKAGES[name]} is not installed (in the workspace: build it first, e.g. npx pnpm@10.34.8 turbo run build)`;
    }
    try {
      await import(sibling.href);
      return undefined;
    } catch (error) {
      return `loading ${PACKAGES[name]} failed: ${(error as Error).message.split('\n')[0]}`;
    }
  }
}
