/// <reference lib="dom" />
// The browser test's page (docs/test/browser.test.ts): bundled without any Node polyfill and run
// in headless Chromium. Reads the fixture model by URL from the test's 127.0.0.1 server, checks
// its logits against PyTorch's, trains LoRA on wasm (lora-run.ts), zips the adapter.
import '@gptft/backend-wasm';
import { report } from '@gptft/browser-harness/page';
import { tf, useBackend } from '@gptft/backend';
import { setWasmPaths } from '@gptft/backend-wasm';
import { GPT2LMHeadModel } from '@gptft/heads';
import { SafetensorsFile, urlFolder, zipFolder, memoryFolder } from '@gptft/hub';
import { GPT2Tokenizer } from '@gptft/tokenizer';
import { loraRun } from '../../examples/browser-lora.js';

async function main() {
  setWasmPaths(new URL('/tfjs-wasm/', location.href).href);
  const backend = await useBackend('wasm');
  const fixtures = urlFolder(new URL('/fixtures/gpt2-tiny-ref/', location.href).href);

  // 1. Reference logits: the model read from a URL base (a stand-in for the hub's resolve/ URL).
  const expected = JSON.parse(await fixtures.readText('expected.json')) as {
    lm: { ids: number[]; argmax: number[] }[];
  };
  const ref = SafetensorsFile.fromBytes(await fixtures.readBytes('expected.safetensors'));
  const model = await GPT2LMHeadModel.fromPretrained('/fixtures/gpt2-tiny-ref/gpt2-tiny/');
  const tokenizer = await GPT2Tokenizer.fromPretrained('/fixtures/gpt2-tiny-ref/gpt2-tiny/');
  const logitChecks = expected.lm.map((row, j) => {
    const encoded = tokenizer.encode(tokenizer.decode(row.ids));
    return tf.tidy(() => {
      const logits = model.forward({ inputIds: [row.ids] }).logits; // [1, T, V]
      const t = row.ids.length;
      const last = logits.slice([0, t - 1, 0], [1, 1, -1]).dataSync() as Float32Array;
      const want = ref.getFloat32(`lm.f32.${j}.last_logits`);
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(last[i]! - want[i]!));
      const argmax = Array.from(logits.argMax(-1).dataSync());
      return {
        maxDiff,
        argmaxEqual: argmax.join() === row.argmax.join(),
        tokenizerRoundTrip: encoded.join() === row.ids.join(),
      };
    });
  });
  model.dispose();

  // 2. LoRA on wasm, the adapter saved to memory and zipped (what the playground's Download gives).
  const t0 = performance.now();
  const run = await loraRun('/fixtures/gpt2-tiny-ref/gpt2-tiny/');
  const trainMs = performance.now() - t0;
  const folder = memoryFolder();
  for (const [name, bytes] of Object.entries(run.adapter)) await folder.write(name, bytes);
  const zip = new Uint8Array(await zipFolder(folder).arrayBuffer());
  let binary = '';
  for (let i = 0; i < zip.length; i++) binary += String.fromCharCode(zip[i]!);

  document.body.textContent = `trained ${run.losses.length} steps on ${backend.name}: loss on the texts ${run.evalBefore.toFixed(4)} → ${run.evalAfter.toFixed(4)}; ${run.streamedText}`;
  report({
    backend: backend.name,
    reason: backend.reason,
    capabilities: backend.capabilities,
    logitChecks,
    losses: run.losses,
    evalBefore: run.evalBefore,
    evalAfter: run.evalAfter,
    generatedIds: run.generatedIds,
    streamedText: run.streamedText,
    tensorsBefore: run.tensorsBefore,
    tensorsAfter: run.tensorsAfter,
    zipBase64: btoa(binary),
    trainMs,
  });
}

main().catch((e) => report({ error: `${(e as Error).message}\n${(e as Error).stack ?? ''}` }));
