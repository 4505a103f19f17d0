// gptft in a browser (issue 14), against the built docs site (`vitepress build` output, served on
// 127.0.0.1 by @gptft/browser-harness) in headless Chromium (Debian's chromium, driven by
// playwright-core; nothing downloaded). One browser, three pages:
//   1. the playground on wasm, driven through its UI: the fixture model entered by URL, LoRA
//      settings typed in, Train, the loss goes down and equals the same run in Node (same seed,
//      docs/examples/browser-lora.ts), Download gives PEFT's adapter folder whose tensors equal
//      Node's within 1e-5, the chat box streams a greedy reply whose ids equal
//      `gptft generate --greedy` with that adapter; a screenshot; what the page downloaded;
//   2. the same run through the UI on WebGPU (?backend=webgpu, SwiftShader): loss down, every
//      step's loss within 1e-4 (relative) and the adapter within 1e-4 of the wasm run's, PEFT's
//      files, no synchronous GPU read;
//   3. the site served with COOP/COEP: the page is cross-origin isolated, picks wasm with threads,
//      trains, and Stop ends a long run early.
// A small page bundled by esbuild with no Node built-in stubbed (browser/page.ts) checks PyTorch's
// logits for the fixture read by URL: the packages bundle without Node polyfills.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import '@gptft/backend-wasm';
import { useBackend } from '@gptft/backend';
import { launchChromium, runInChromium, serveSite } from '@gptft/browser-harness';
import { SafetensorsFile, unzipEntries } from '@gptft/hub';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  type LoraSettings,
  loadModel,
  MAX_NEW_TOKENS,
  PROMPT,
  SAMPLE_TEXT,
  saveAdapter,
  trainingData,
  trainLora,
} from '../examples/browser-lora.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const site = join(root, 'docs/.vitepress/dist');
const fixture = join(root, 'fixtures/gpt2-tiny-ref/gpt2-tiny');
const out = join(root, 'docs/test/browser/output');
const SETTINGS: LoraSettings = { ...DEFAULT_SETTINGS, maxSteps: 4, maxLength: 24 };
const COOP_COEP = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

interface Trained {
  losses: number[];
  evalBefore: number;
  evalAfter: number;
  status: string;
}

let browser: Browser;
/** Console messages of every page and its worker (the WebGPU test looks for tfjs' readSync warning). */
const consoleLines: string[] = [];
let plain: { url: string; requests: string[]; close(): Promise<void> };
let isolated: { url: string; requests: string[]; close(): Promise<void> };
let node: { losses: number[]; evalBefore: number; evalAfter: number; adapter: Map<string, Uint8Array> };
let work: string;
const pageErrors: string[] = [];

async function openPlayground(base: string, query: string): Promise<Page> {
  const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1000, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => consoleLines.push(m.text()));
  page.on('worker', (w) => w.on('console', (m) => consoleLines.push(m.text())));
  page.on('console', (m) => {
    // 404s are the loaders asking for optional files (generation_config.json, tokenizer.json…).
    if (m.type() === 'error' && !m.text().includes('404 (Not Found)')) pageErrors.push(m.text());
  });
  await page.goto(`${base}playground${query}`);
  await page.waitForSelector('[data-testid=backend][data-name]:not([data-name=""])', { timeout: 300_000 });
  return page;
}

/**
 * Types the model URL and settings into the form, clicks Train and waits for the result.
 * `prompts`: the before/after prompts (empty: none compared).
 */
async function train(page: Page, base: string, settings: LoraSettings, prompts = PROMPT): Promise<Trained> {
  const fill = (id: string, value: string | number) => page.fill(`[data-testid=${id}]`, String(value));
  await fill('model', `${base}fixtures/gpt2-tiny-ref/gpt2-tiny/`);
  await fill('data', SAMPLE_TEXT);
  await fill('r', settings.r);
  await fill('alpha', settings.loraAlpha);
  await fill('dropout', settings.loraDropout);
  await fill('targets', settings.targetModules.join(', '));
  await fill('lr', settings.learningRate);
  await fill('steps', settings.maxSteps);
  await fill('seqlen', settings.maxLength);
  await fill('batch', settings.batchSize);
  await fill('seed', settings.seed);
  await fill('prompts', prompts);
  await fill('max-new-tokens', MAX_NEW_TOKENS);
  await page.click('[data-testid=train]');
  return finished(page);
}

async function finished(page: Page): Promise<Trained> {
  await page.waitForSelector('[data-testid=status][data-done=yes], [data-testid=error]', {
    timeout: 600_000,
  });
  const error = await page.$('[data-testid=error]');
  if (error) throw new Error(`the playground failed: ${await error.textContent()}`);
  const status = page.locator('[data-testid=status]');
  return {
    losses: JSON.parse((await status.getAttribute('data-losses'))!),
    evalBefore: Number(await status.getAttribute('data-eval-before')),
    evalAfter: Number(await status.getAttribute('data-eval-after')),
    status: (await status.textContent())!,
  };
}

/** The largest |a[i] − b[i]| (the lengths must match). */
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const backendLine = (page: Page) => page.locator('[data-testid=backend]').textContent();

describe('the docs playground in headless Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(site, 'playground.html'))) {
      throw new Error(
        `${site}/playground.html is missing: build the site first (pnpm --filter @gptft/docs docs:build)`,
      );
    }
    await mkdir(out, { recursive: true });
    work = await mkdtemp(join(tmpdir(), 'gptft-browser-'));
    const folders = { '/fixtures/': join(root, 'fixtures') };
    plain = await serveSite(site, { folders });
    isolated = await serveSite(site, { folders, headers: COOP_COEP });
    browser = await launchChromium();
    // The same run in Node (disk, wasm, same seed and settings): what the page must reproduce.
    await useBackend('wasm');
    const loaded = await loadModel(fixture, SETTINGS.seed);
    const run = await trainLora(
      loaded,
      trainingData(SAMPLE_TEXT, loaded.tokenizer, SETTINGS.maxLength),
      SETTINGS,
    );
    node = { ...run, adapter: (await saveAdapter(run.peft)).files };
    run.peft.dispose();
    loaded.model.dispose();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await isolated?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  let wasm: Trained;
  let zip: Uint8Array;
  let streamedIds: number[];

  it('trains on wasm through the UI: loss down, = Node; streams a reply; downloads the adapter', async () => {
    plain.requests.length = 0;
    const page = await openPlayground(plain.url, '?backend=wasm');
    expect(await backendLine(page)).toMatch(
      /^Backend: wasm \(SIMD, 1 thread: the page is not cross-origin isolated .*\); forced by \?backend=wasm$/,
    );
    wasm = await train(page, plain.url, SETTINGS);
    expect(wasm.status).toMatch(/^trained 4 steps on 4 texts in/);
    // The loss on the training texts (eval mode, before vs after) goes down; per-step losses are
    // of shuffled batches. Both equal Node's run.
    expect(wasm.evalAfter).toBeLessThan(wasm.evalBefore - 0.1);
    expect(wasm.losses).toHaveLength(node.losses.length);
    for (let i = 0; i < node.losses.length; i++)
      expect(Math.abs(wasm.losses[i]! - node.losses[i]!)).toBeLessThan(1e-5);
    expect(Math.abs(wasm.evalAfter - node.evalAfter)).toBeLessThan(1e-5);
    expect(await page.locator('[data-testid=compare] tbody tr').count()).toBe(1);

    // Chat: the reply appears piece by piece (a MutationObserver records each text the page shows).
    await page.fill('[data-testid=chat-prompt]', PROMPT);
    await page.check('[data-testid=greedy]');
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid=reply]')!;
      const seen: string[] = [];
      (window as unknown as { __replies: string[] }).__replies = seen;
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    await page.click('[data-testid=send]');
    await page.waitForSelector('[data-testid=reply][data-done=yes]', { timeout: 300_000 });
    const reply = page.locator('[data-testid=reply]');
    streamedIds = JSON.parse((await reply.getAttribute('data-ids'))!);
    const pieces = Number(await reply.getAttribute('data-pieces'));
    const shown = new Set(
      await page.evaluate(() => (window as unknown as { __replies: string[] }).__replies),
    );
    expect(pieces).toBeGreaterThan(1);
    expect(shown.size).toBeGreaterThan(1);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=download]'),
    ]);
    expect(download.suggestedFilename()).toBe('adapter.zip');
    zip = new Uint8Array(await readFile((await download.path())!));
    // The playground alone, without VitePress' sticky bars over it.
    await page.addStyleTag({ content: '.VPNav, .VPLocalNav { display: none !important; }' });
    await page.locator('.playground').screenshot({ path: join(out, 'playground.png') });

    // What the playground downloaded, raw and gzip: the fine-tuning code (the worker, its chunks
    // and tfjs' wasm binary) and the page itself (VitePress' app, framework and theme, the
    // playground's chunk); VitePress also prefetches the other pages' small chunks (not counted).
    const downloaded = plain.requests.map((u) => u.split('?')[0]!);
    const assets = [...new Set(downloaded.filter((p) => /\.(js|wasm)$/.test(p)))];
    const part = (p: string) =>
      /\/worker-|\.wasm$/.test(p)
        ? 'fineTune'
        : /\/(app\.|playground\.md\.|chunks\/(theme|framework)\.)/.test(p)
          ? 'page'
          : undefined;
    const size: Record<
      string,
      { js: number; jsGzip: number; wasm: number; wasmGzip: number; files: string[] }
    > = {
      fineTune: { js: 0, jsGzip: 0, wasm: 0, wasmGzip: 0, files: [] },
      page: { js: 0, jsGzip: 0, wasm: 0, wasmGzip: 0, files: [] },
    };
    for (const p of assets) {
      const into = size[part(p) ?? ''];
      if (!into) continue;
      const bytes = await readFile(join(site, p));
      const kind = p.endsWith('.wasm') ? 'wasm' : 'js';
      into[kind] += bytes.length;
      into[`${kind}Gzip`] += gzipSync(bytes).length;
      into.files.push(p);
    }
    await writeFile(join(out, 'bundle-size.json'), `${JSON.stringify(size, null, 2)}\n`);
    const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
    const { fineTune: f, page: g } = size as Record<string, (typeof size)['page']>;
    console.log(
      `playground downloads: fine-tuning JS ${mb(f.js)} (${mb(f.jsGzip)} gzip) + wasm ${mb(f.wasm)} (${mb(f.wasmGzip)} gzip); ` +
        `the page (VitePress + playground) JS ${mb(g.js)} (${mb(g.jsGzip)} gzip)`,
    );
    // One wasm binary (SIMD), the worker; no WebGPU or cpu backend chunks when wasm is forced.
    expect(assets.filter((p) => p.endsWith('.wasm'))).toHaveLength(1);
    const worker = assets.find((p) => /\/worker-[^/]+\.js$/.test(p));
    expect(worker).toBeDefined();
    const workerJs = await readFile(join(site, worker!), 'utf8');
    // No tfjs-layers, no WebGL backend (Node modules: the strict esbuild page below).
    for (const absent of ['LayersModel', 'WEBGL_VERSION']) expect(workerJs).not.toContain(absent);
    await page.close();
  }, 900_000);

  it("the site serves models/tiny-base (copied by the build, the playground's default model)", async () => {
    for (const name of [
      'config.json',
      'tokenizer_config.json',
      'vocab.json',
      'merges.txt',
      'model.safetensors',
    ]) {
      const res = await fetch(`${plain.url}models/tiny-base/${name}`);
      expect(res.status, name).toBe(200);
      const served = new Uint8Array(await res.arrayBuffer());
      expect(Buffer.from(served).equals(await readFile(join(root, 'models/tiny-base', name))), name).toBe(
        true,
      );
    }
  });

  it("zips PEFT's adapter folder, whose tensors equal the same run in Node (1e-5)", () => {
    const entries = unzipEntries(zip);
    expect(entries.map((e) => e.name).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const files = Object.fromEntries(entries.map((e) => [e.name, e.data]));
    const config = JSON.parse(new TextDecoder().decode(files['adapter_config.json']));
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: SETTINGS.r,
      lora_alpha: SETTINGS.loraAlpha,
      target_modules: SETTINGS.targetModules,
      task_type: 'CAUSAL_LM',
    });
    expect(new TextDecoder().decode(files['adapter_config.json'])).toBe(
      new TextDecoder().decode(node.adapter.get('adapter_config.json')),
    );
    const inPage = SafetensorsFile.fromBytes(files['adapter_model.safetensors']!);
    const inNode = SafetensorsFile.fromBytes(node.adapter.get('adapter_model.safetensors')!);
    expect(inPage.names().sort()).toEqual(inNode.names().sort());
    expect(inPage.names()).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    for (const name of inNode.names()) {
      expect(maxAbsDiff(inPage.getFloat32(name), inNode.getFloat32(name)), name).toBeLessThan(1e-5);
    }
  });

  it('the streamed greedy reply has the ids of `gptft generate --greedy` with that adapter', async () => {
    const adapterDir = join(work, 'adapter');
    await mkdir(adapterDir);
    for (const e of unzipEntries(zip)) await writeFile(join(adapterDir, e.name), e.data);
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
    expect(streamedIds.length).toBeGreaterThan(0);
    expect(streamedIds).toEqual(cliIds);
  }, 600_000);

  it('trains the same run on WebGPU through the UI (?backend=webgpu, SwiftShader): = wasm within 1e-4', async () => {
    const t0 = performance.now();
    // Chromium runs with --enable-unsafe-webgpu (the harness); without a GPU its adapter is
    // SwiftShader. The worker reads tensors only with `await data()` on this path: tfjs' synchronous
    // WebGPU read (through an OffscreenCanvas) gives zeros on SwiftShader and then loses the device,
    // and it warns on its first use — the warning must not appear.
    const seen = consoleLines.length;
    const page = await openPlayground(plain.url, '?backend=webgpu');
    expect(await backendLine(page)).toMatch(/^Backend: webgpu \(GPU\); forced by \?backend=webgpu$/);
    const gpu = await train(page, plain.url, SETTINGS, '');
    expect(gpu.status).toMatch(/^trained 4 steps on 4 texts in/);
    expect(gpu.evalAfter).toBeLessThan(gpu.evalBefore - 0.1);
    // float32 on other kernels: WGSL matmuls and reductions sum in other orders than XNNPACK and
    // gptft's wasm kernels (~1e-7 relative per op), through 4 AdamW steps whose updates feed the
    // next losses. Measured on SwiftShader: 1.5e-7 relative on the losses, 1.8e-6 absolute on the
    // adapter (values up to 0.14). 1e-4 leaves ~500x room; a wrong kernel, a zero read or a missed
    // update moves them by far more.
    // (The wasm run, in Node here, equals the page's wasm run within 1e-5: the first test.)
    expect(gpu.losses).toHaveLength(node.losses.length);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    for (let i = 0; i < node.losses.length; i++)
      expect(rel(gpu.losses[i]!, node.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-4);
    expect(rel(gpu.evalBefore, node.evalBefore)).toBeLessThan(1e-4);
    expect(rel(gpu.evalAfter, node.evalAfter)).toBeLessThan(1e-4);
    console.log(
      `webgpu vs wasm: max relative loss difference ${Math.max(
        ...node.losses.map((l, i) => rel(gpu.losses[i]!, l)),
        rel(gpu.evalBefore, node.evalBefore),
        rel(gpu.evalAfter, node.evalAfter),
      ).toExponential(2)}`,
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=download]'),
    ]);
    const entries = unzipEntries(new Uint8Array(await readFile((await download.path())!)));
    expect(entries.map((e) => e.name).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const files = Object.fromEntries(entries.map((e) => [e.name, e.data]));
    // The same config as the wasm run's, byte for byte; the same PEFT tensor names, shapes and
    // values within 1e-4.
    expect(new TextDecoder().decode(files['adapter_config.json'])).toBe(
      new TextDecoder().decode(node.adapter.get('adapter_config.json')),
    );
    const onGpu = SafetensorsFile.fromBytes(files['adapter_model.safetensors']!);
    const inNode = SafetensorsFile.fromBytes(node.adapter.get('adapter_model.safetensors')!);
    expect(onGpu.names().sort()).toEqual(inNode.names().sort());
    for (const name of inNode.names()) {
      expect(onGpu.info(name).shape, name).toEqual(inNode.info(name).shape);
      expect(maxAbsDiff(onGpu.getFloat32(name), inNode.getFloat32(name)), name).toBeLessThan(1e-4);
    }
    await page.close();
    const lines = consoleLines.slice(seen);
    expect(lines.filter((l) => /synchronously reading data from GPU/.test(l))).toEqual([]);
    console.log(`the WebGPU run took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, 600_000);

  it('served with COOP/COEP: cross-origin isolated, wasm with threads; Stop ends training early', async () => {
    const page = await openPlayground(isolated.url, '');
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
    const line = (await backendLine(page))!;
    // auto: WebGPU passed over (SwiftShader is a software adapter), wasm with one thread per core.
    expect(line).toMatch(
      /^Backend: wasm \(SIMD, (\d+) threads: page cross-origin isolated\); webgpu skipped: /,
    );
    expect(Number(/(\d+) threads/.exec(line)![1])).toBeGreaterThan(1);
    // A long run, stopped after its first step: the page stays responsive while the worker trains.
    await page.fill('[data-testid=model]', `${isolated.url}fixtures/gpt2-tiny-ref/gpt2-tiny/`);
    await page.fill('[data-testid=steps]', '500');
    await page.fill('[data-testid=prompts]', '');
    await page.click('[data-testid=train]');
    await page.waitForFunction(
      () =>
        JSON.parse(document.querySelector('[data-testid=status]')!.getAttribute('data-losses')!).length >= 1,
      null,
      { timeout: 300_000, polling: 100 },
    );
    await page.click('[data-testid=stop]');
    const stopped = await finished(page);
    expect(stopped.status).toMatch(/^stopped \d+ steps/);
    expect(stopped.losses.length).toBeLessThan(500);
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 900_000);

  it("gives PyTorch's logits for the fixture read by URL (1e-4), bundled with no Node built-in", async () => {
    const run = await runInChromium(fileURLToPath(new URL('./browser/page.ts', import.meta.url)), {
      strict: true,
      timeoutMs: 300_000,
      folders: {
        '/fixtures/': join(root, 'fixtures'),
        '/tfjs-wasm/': dirname(
          createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
        ),
      },
    });
    const page = run.result as { error?: string; logitChecks: { maxDiff: number; argmaxEqual: boolean }[] };
    if (page.error) throw new Error(`the page failed: ${page.error}`);
    expect(page.logitChecks).toHaveLength(3);
    for (const c of page.logitChecks) {
      expect(c.maxDiff).toBeLessThan(1e-4);
      expect(c.argmaxEqual).toBe(true);
    }
  }, 600_000);
});
