/// <reference lib="webworker" />
// The playground's Web Worker: loads the model, trains LoRA, streams replies and zips the adapter
// with the code of docs/examples/browser-lora.ts (the same module the Node test runs), so the page
// stays responsive while it computes.
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { setWasmPaths, threadsUnsupportedReason } from '@gptft/backend-wasm';
import { hubResolveUrl, urlFolder, zipFolder } from '@gptft/hub';
import type { GPT2LMHeadModel } from '@gptft/heads';
import type { PeftModel } from '@gptft/peft';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import {
  beforeAfter,
  type Loaded,
  loadModel,
  saveAdapter,
  reply,
  trainingData,
  trainLora,
} from '../../../examples/browser-lora.js';
import type { FromWorker, ToWorker } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);

let loaded: Loaded | undefined;
let peft: PeftModel<GPT2LMHeadModel> | undefined;
let chatData = false;
let stopRequested = false;

/** Why WebGPU is not used, or undefined when it is usable (a hardware adapter, or forced). */
async function webgpuSkipReason(): Promise<string | undefined> {
  if (!('gpu' in navigator) || !navigator.gpu) return 'navigator.gpu is undefined';
  try {
    const { webgpuBackend } = await import('@gptft/backend-webgpu');
    return await webgpuBackend.autoSkipReason?.({});
  } catch (e) {
    return (e as { reason?: string }).reason ?? (e as Error).message;
  }
}

/**
 * The backend: `forced` (the page's `?backend=`), else WebGPU when `navigator.gpu` gives a
 * hardware adapter, else wasm (SIMD; threads when the page is cross-origin isolated), else cpu.
 * Returns the choice and why, in words.
 */
async function chooseBackend(forced?: string): Promise<FromWorker & { type: 'backend' }> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const isolated = self.crossOriginIsolated === true;
  const skipped: string[] = [];
  const order = forced ? [forced] : ['webgpu', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      if (name === 'webgpu') {
        const skip = forced ? undefined : await webgpuSkipReason();
        if (skip) {
          skipped.push(`webgpu skipped: ${skip}`);
          continue;
        }
        await import('@gptft/backend-webgpu');
      }
      if (name === 'cpu') await import('@gptft/backend-cpu');
      const b = await useBackend(name);
      const caps = b.capabilities;
      const threads = `${caps.threads} thread${caps.threads === 1 ? '' : 's'}`;
      // The wasm backend's own notes (threads asked for but not started, and why) end its reason.
      const notes = b.reason.split('; ').slice(2).join('; ');
      const how =
        name === 'wasm'
          ? `${caps.simd ? 'SIMD' : 'no SIMD'}, ${threads}: ${
              caps.threads > 1
                ? 'page cross-origin isolated'
                : (threadsUnsupportedReason() ??
                  (notes || `navigator.hardwareConcurrency is ${navigator.hardwareConcurrency}`))
            }`
          : caps.gpu
            ? 'GPU'
            : 'plain JavaScript';
      const why = forced ? `forced by ?backend=${forced}` : skipped.join('; ');
      return {
        type: 'backend',
        name,
        reason: `${name} (${how})${why ? `; ${why}` : ''}`,
        threads: caps.threads,
        crossOriginIsolated: isolated,
      };
    } catch (e) {
      if (forced) throw e;
      skipped.push(`${name} failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no backend could start (${skipped.join('; ')})`);
}

/** `source`: a URL of a model folder (absolute or site-relative), else a hub id. */
function folderOf(source: string) {
  if (/^(https?:)?\//.test(source)) return urlFolder(new URL(source, self.location.href).href);
  if (/^[\w.-]+(\/[\w.-]+)?$/.test(source)) return urlFolder(hubResolveUrl(source));
  throw new Error(`model: "${source}" is neither a URL nor a hub id (like gpt2 or user/model)`);
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init':
      post(await chooseBackend(m.backend));
      return;
    case 'load': {
      peft?.dispose();
      peft = undefined;
      loaded?.model.dispose();
      loaded = undefined;
      const folder = folderOf(m.source);
      loaded = await loadModel(folder);
      const config = loaded.model.config;
      const parameters = loaded.model.namedParameters().reduce((n, [, p]) => n + p.size, 0);
      post({
        type: 'loaded',
        source: m.source,
        location: folder.location,
        parameters,
        layers: config.nLayer,
      });
      return;
    }
    case 'train': {
      if (!loaded) throw new Error('load a model first');
      if (peft) {
        // A new run starts from the base model: the previous adapter is removed.
        peft.dispose();
        peft = undefined;
      }
      stopRequested = false;
      const data = trainingData(m.data, loaded.tokenizer, m.settings.maxLength);
      chatData = data.kind === 'chat';
      const t0 = performance.now();
      const run = await trainLora(loaded, data, m.settings, {
        onStep: (s) => post({ type: 'step', ...s }),
        shouldStop: () => stopRequested,
      });
      peft = run.peft;
      post({
        type: 'trained',
        kind: data.kind,
        examples: data.examples.length,
        losses: run.losses,
        evalBefore: run.evalBefore,
        evalAfter: run.evalAfter,
        stopped: run.stopped,
        seconds: (performance.now() - t0) / 1000,
      });
      const prompts = m.prompts.filter((p) => p.trim().length > 0);
      const rows = await beforeAfter(loaded, peft, prompts, { maxNewTokens: m.maxNewTokens, chat: chatData });
      post({ type: 'compared', rows });
      return;
    }
    case 'stop':
      stopRequested = true;
      return;
    case 'generate': {
      if (!loaded) throw new Error('load a model first');
      const options = { greedy: m.greedy, maxNewTokens: m.maxNewTokens, chat: chatData };
      const r = await reply(loaded, m.prompt, options, (text) => post({ type: 'piece', text }));
      post({ type: 'generated', ...r });
      return;
    }
    case 'download': {
      if (!peft) throw new Error('train an adapter first');
      const bytes = new Uint8Array(await zipFolder(await saveAdapter(peft)).arrayBuffer());
      post({ type: 'zip', bytes }, [bytes.buffer]);
      return;
    }
  }
}

// Messages are handled one at a time, except Stop, which must reach a training run in progress.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'stop') {
    stopRequested = true;
    return;
  }
  queue = queue.then(() =>
    handle(m).catch((error: unknown) =>
      post({ type: 'error', during: m.type, message: (error as Error).message ?? String(error) }),
    ),
  );
};
