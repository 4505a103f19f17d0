// Without @tensorflow/tfjs-node (it cannot be installed here: its install downloads libtensorflow),
// selecting the tensorflow backends fails with an error that names what to install and why, and
// `auto` skips them and says so.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError, useBackend } from '@gptft/backend';
import { afterAll, describe, expect, it } from 'vitest';
import '@gptft/backend-wasm';
import '../src/index.js';

interface CleanRun {
  gpu: { backend: string; packages: string[]; reason: string; message: string };
  auto: { name: string; current: string | undefined; reason: string };
}

let clean: CleanRun | undefined;
let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The built packages, used from a process that sees only what Node's own resolution finds. */
function inCleanProcess(): CleanRun {
  if (clean) return clean;
  scratch = mkdtempSync(join(tmpdir(), 'gptft-unavailable-'));
  const script = fileURLToPath(new URL('./fixtures/unavailable-probe.mjs', import.meta.url));
  const { NODE_PATH: _, ...env } = process.env;
  const stdout = execFileSync(process.execPath, [script], { cwd: scratch, env, encoding: 'utf8' });
  clean = JSON.parse(stdout.trim().split('\n').pop()!) as CleanRun;
  return clean;
}

async function rejection(p: Promise<unknown>): Promise<BackendUnavailableError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendUnavailableError);
    return error as BackendUnavailableError;
  }
  throw new Error('expected a BackendUnavailableError');
}

describe('tensorflow backends without their bindings', () => {
  it("useBackend('tensorflow'): names @tensorflow/tfjs-node and that it is not installed", async () => {
    const error = await rejection(useBackend('tensorflow'));
    expect(error.backend).toBe('tensorflow');
    expect(error.packages).toEqual(['@gptft/backend-node', '@tensorflow/tfjs-node']);
    expect(error.reason).toBe(
      '@tensorflow/tfjs-node is not installed (its install script downloads libtensorflow 2.9.1 from storage.googleapis.com)',
    );
    expect(error.message).toContain('pnpm add @gptft/backend-node @tensorflow/tfjs-node');
    expect(error.stack).not.toMatch(/tfjs-core/);
  });

  // These two run in a child Node process with NODE_PATH cleared and a scratch folder as its
  // working directory: pnpm's bin shims (vitest's included) put the workspace's hoisted store on
  // NODE_PATH, where @gptft/backend-node-gpu is found although no package here depends on it.
  it("useBackend('tensorflow-gpu'): names @gptft/backend-node-gpu when that package is absent", () => {
    const { gpu } = inCleanProcess();
    expect(gpu.backend).toBe('tensorflow-gpu');
    expect(gpu.packages).toEqual(['@gptft/backend-node-gpu', '@tensorflow/tfjs-node-gpu']);
    expect(gpu.reason).toBe('the package @gptft/backend-node-gpu is not installed');
    expect(gpu.message).toContain('pnpm add @gptft/backend-node-gpu @tensorflow/tfjs-node-gpu');
  });

  it("useBackend('auto') skips both and picks wasm, saying why", () => {
    const { auto } = inCleanProcess();
    expect(auto.name).toBe('wasm');
    expect(auto.current).toBe('wasm');
    expect(auto.reason).toMatch(/^auto picked "wasm" \(skipped: /);
    expect(auto.reason).toContain('tensorflow-gpu: the package @gptft/backend-node-gpu is not installed');
    expect(auto.reason).toContain('tensorflow: @tensorflow/tfjs-node is not installed');
  });
});
