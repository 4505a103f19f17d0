/// <reference lib="dom" />
// A page bundled by esbuild with no Node built-in stubbed (docs/test/browser.test.ts): the packages
// need no Node polyfill. Reads the fixture model by URL from the test's 127.0.0.1 server (a
// stand-in for the hub's resolve/ URLs) and checks its logits against PyTorch's.
import '@gptft/backend-wasm';
import { report } from '@gptft/browser-harness/page';
import { tf, useBackend } from '@gptft/backend';
import { setWasmPaths } from '@gptft/backend-wasm';
import { GPT2LMHeadModel } from '@gptft/heads';
import { SafetensorsFile, urlFolder } from '@gptft/hub';
import { GPT2Tokenizer } from '@gptft/tokenizer';

async function main() {
  setWasmPaths(new URL('/tfjs-wasm/', location.href).href);
  const backend = await useBackend('wasm');
  const fixtures = urlFolder(new URL('/fixtures/gpt2-tiny-ref/', location.href).href);
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
  report({ backend: backend.name, reason: backend.reason, logitChecks });
}

main().catch((e) => report({ error: `${(e as Error).message}\n${(e as Error).stack ?? ''}` }));
