// Multithreaded tfjs-wasm under Node.
//
// tfjs-backend-wasm 4.22 switches threads off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false
// there), and forcing the flag fails: Emscripten starts its pthread workers from `blob:` URLs,
// which `worker_threads` rejects (ERR_WORKER_PATH), and the worker then loads the main script from
// another `blob:` URL with `fs.readFileSync`. The C++ side also sizes its thread pool as
// min(requested, logical cores / 2) — one thread on a 2-core machine.
//
// For the duration of the backend's initialisation only, this file:
//   - records the text of the Blobs tfjs creates (a Blob subclass), and
//   - turns `URL.createObjectURL(workerBlob)` into a real file: the worker script, prefixed so that
//     the worker's own `URL.createObjectURL(mainScriptBlob)` returns the main script's file, which
//     is written with the four module-scope variables of the tfjs bundle it refers to;
//   - reports 2 × threads logical cores to Emscripten (`os.cpus()`), so the pool gets `threads`.
// Everything is put back when initialisation ends, whether it succeeded or not.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export { threadsUnsupportedReason } from './thread-support.js';

const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd';
let scratchDir: string | undefined;

function scratch(): string {
  if (!scratchDir) {
    scratchDir = mkdtempSync(join(os.tmpdir(), 'gptft-wasm-threads-'));
    const dir = scratchDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratchDir;
}

/**
 * Runs `init` (which must initialise the tfjs wasm backend) with the Node patches described at the
 * top of this file in place, then removes them.
 */
export async function withNodeThreadPatches<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();
  let mainScript: string | undefined;

  class RecordingBlob extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts?.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        if (text.startsWith(MAIN_SCRIPT_PREFIX)) {
          mainScript = join(scratch(), 'tfjs-backend-wasm-threaded-simd.main.cjs');
          writeFileSync(
            mainScript,
            "var require$$0 = require('fs'); var require$$1 = require('path');\n" +
              "var require$$3 = require('perf_hooks'); var require$$4 = require('os');\n" +
              `var commonjsGlobal = globalThis; var _scriptDir = ${JSON.stringify(mainScript)};\n${text}`,
          );
        }
      }
    }
  }

  globalThis.Blob = RecordingBlob;
  URL.createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    if (text === undefined || !mainScript) return originalCreateObjectURL(blob);
    const worker = join(scratch(), 'tfjs-backend-wasm-threaded-simd.worker.cjs');
    writeFileSync(worker, `URL.createObjectURL = () => ${JSON.stringify(mainScript)};\n${text}`);
    return worker;
  };
  os.cpus = () => {
    const cpus = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  };
  try {
    return await init();
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  }
}
