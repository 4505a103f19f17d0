// gptft in a browser (issue 14): headless Chromium (Debian's chromium, driven by playwright-core;
// nothing downloaded) runs test/browser/page.ts, bundled by esbuild for `platform: 'browser'`
// with no Node built-in stubbed (a Node import reachable from the page fails the build). The page
// reads the fixture model by URL from a 127.0.0.1 server, and must give
//   - PyTorch's logits for the fixture (1e-4),
//   - a LoRA run on wasm whose loss goes down and whose adapter (PEFT's files, zipped) equals the
//     same run in Node within 1e-5,
//   - a streamed greedy continuation whose ids equal `gptft generate --greedy` with that adapter.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { bundle, runInChromium } from '@gptft/browser-harness';
import { SafetensorsFile, unzipEntries } from '@gptft/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loraRun, MAX_NEW_TOKENS, PROMPT, type LoraRunResult } from '../examples/browser-lora.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(root, 'fixtures/gpt2-tiny-ref/gpt2-tiny');
const tfjsWasm = dirname(
  createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
);
const out = join(root, 'docs/test/browser/output');

interface PageResult {
  error?: string;
  backend: string;
  reason: string;
  logitChecks: { maxDiff: number; argmaxEqual: boolean; tokenizerRoundTrip: boolean }[];
  losses: number[];
  evalBefore: number;
  evalAfter: number;
  generatedIds: number[];
  streamedText: string;
  tensorsBefore: number;
  tensorsAfter: number;
  zipBase64: string;
  trainMs: number;
}

let page: PageResult;
let pageConsole: string[] = [];
let scriptBytes = 0;
let node: LoraRunResult;
let work: string;

describe('gptft in headless Chromium (wasm)', () => {
  beforeAll(async () => {
    await mkdir(out, { recursive: true });
    work = await mkdtemp(join(tmpdir(), 'gptft-browser-'));
    const run = await runInChromium(fileURLToPath(new URL('./browser/page.ts', import.meta.url)), {
      strict: true,
      timeoutMs: 900_000,
      folders: { '/fixtures/': join(root, 'fixtures'), '/tfjs-wasm/': tfjsWasm },
      screenshot: join(out, 'page.png'),
    });
    page = run.result as PageResult;
    pageConsole = run.console;
    scriptBytes = run.scriptBytes;
    if (page.error)
      throw new Error(`the page failed: ${page.error}\nconsole: ${pageConsole.slice(-10).join('\n')}`);
    await useBackend('wasm');
    node = await loraRun(fixture);
  }, 1_800_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('bundles without Node built-ins and runs on wasm; reports what a page downloads', async () => {
    expect(page.backend).toBe('wasm');
    expect(scriptBytes).toBeGreaterThan(0);
    // What a page that fine-tunes downloads: the minified script and tfjs' SIMD wasm binary.
    const entry = fileURLToPath(new URL('./browser/page.ts', import.meta.url));
    const js = Buffer.from(await bundle(entry, { strict: true, minify: true }));
    const wasm = await readFile(join(tfjsWasm, 'tfjs-backend-wasm-simd.wasm'));
    const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
    const size = {
      jsMinified: js.length,
      jsMinifiedGzip: gzipSync(js).length,
      wasmSimd: wasm.length,
      wasmSimdGzip: gzipSync(wasm).length,
    };
    await writeFile(join(out, 'bundle-size.json'), `${JSON.stringify(size, null, 2)}\n`);
    console.log(
      `bundle: JS ${mb(size.jsMinified)} minified (${mb(size.jsMinifiedGzip)} gzip) + wasm ${mb(size.wasmSimd)} ` +
        `(${mb(size.wasmSimdGzip)} gzip); backend: ${page.reason}; training ${Math.round(page.trainMs)} ms`,
    );
  }, 120_000);

  it("gives PyTorch's logits for the fixture read by URL (1e-4)", () => {
    expect(page.logitChecks).toHaveLength(3);
    for (const c of page.logitChecks) {
      expect(c.maxDiff).toBeLessThan(1e-4);
      expect(c.argmaxEqual).toBe(true);
    }
  });

  it('trains LoRA: the loss goes down, no tensor leaks', () => {
    expect(page.losses.length).toBeGreaterThanOrEqual(5);
    // Mean loss over the training texts, before vs after (per-step losses are of shuffled batches).
    expect(page.evalAfter).toBeLessThan(page.evalBefore - 0.1);
    expect(page.tensorsAfter).toBe(page.tensorsBefore);
  });

  it("zips PEFT's adapter folder, whose tensors equal the same run in Node (1e-5)", () => {
    const entries = unzipEntries(new Uint8Array(Buffer.from(page.zipBase64, 'base64')));
    expect(entries.map((e) => e.name).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const files = Object.fromEntries(entries.map((e) => [e.name, e.data]));
    const config = JSON.parse(new TextDecoder().decode(files['adapter_config.json']));
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      target_modules: ['c_attn'],
      task_type: 'CAUSAL_LM',
    });
    expect(new TextDecoder().decode(files['adapter_config.json'])).toBe(
      new TextDecoder().decode(node.adapter['adapter_config.json']),
    );
    const inPage = SafetensorsFile.fromBytes(files['adapter_model.safetensors']!);
    const inNode = SafetensorsFile.fromBytes(node.adapter['adapter_model.safetensors']!);
    expect(inPage.names().sort()).toEqual(inNode.names().sort());
    expect(inPage.names()).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    for (const name of inNode.names()) {
      const a = inPage.getFloat32(name);
      const b = inNode.getFloat32(name);
      expect(a.length).toBe(b.length);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      expect(max, name).toBeLessThan(1e-5);
    }
    expect(page.losses).toHaveLength(node.losses.length);
    for (let i = 0; i < node.losses.length; i++)
      expect(Math.abs(page.losses[i]! - node.losses[i]!)).toBeLessThan(1e-5);
    expect(Math.abs(page.evalAfter - node.evalAfter)).toBeLessThan(1e-5);
  });

  it('streams a greedy reply whose ids equal `gptft generate --greedy` with that adapter', async () => {
    const adapterDir = join(work, 'adapter');
    await mkdir(adapterDir);
    for (const e of unzipEntries(new Uint8Array(Buffer.from(page.zipBase64, 'base64')))) {
      await writeFile(join(adapterDir, e.name), e.data);
    }
    const cli = join(root, 'packages/cli/dist/bin.js');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        cli,
        'generate',
        '--model',
        fixture,
        '--adapter',
        adapterDir,
        '--prompt',
        PROMPT,
        '--greedy',
        '--max-new-tokens',
        String(MAX_NEW_TOKENS),
        '--backend',
        'wasm',
        '--json',
      ],
      { timeout: 600_000 },
    );
    const cliIds = (JSON.parse(stdout) as { ids: number[] }).ids;
    expect(page.generatedIds).toEqual(cliIds);
    expect(page.generatedIds.length).toBeGreaterThan(0);
    expect(page.streamedText.length).toBeGreaterThan(0);
    await writeFile(
      join(out, 'result.json'),
      `${JSON.stringify({ ...page, zipBase64: undefined, scriptBytes, cliIds }, null, 2)}\n`,
    );
    expect((await readFile(join(out, 'page.png'))).length).toBeGreaterThan(1000);
  }, 600_000);
});
