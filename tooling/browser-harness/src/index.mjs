// A minimal browser harness for gptft's tests: bundle a TypeScript entry for the browser (esbuild),
// serve it on 127.0.0.1 (an ephemeral port), open it in headless Chromium (Debian's chromium
// package, driven by playwright-core: nothing is downloaded) and return what the page reported.
//
// The page reports by calling `report(result)` (from `@gptft/browser-harness/page`, or by setting
// `window.__gptftResult`); an uncaught error or a console error is recorded too. Node's built-in
// modules are replaced by empty stubs in the bundle (gptft's Node-only code paths never run in a
// page), as is any specifier listed in `stub`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.GPTFT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a closed, shared machine: no sandbox (CI runs as root), no
 * background networking (its connections are refused here), WebGPU on (SwiftShader when there is
 * no GPU).
 */
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/**
 * Bundles `entry` (and what it imports) into one browser script. `strict`: no Node built-in is
 * stubbed, so the build fails if the page reaches one (how gptft proves its packages need no
 * Node polyfills); `minify` for size reports.
 */
export async function bundle(entry, { stub = [], strict = false, minify = false } = {}) {
  const stubs = {
    name: 'gptft-node-stubs',
    setup(b) {
      const filter = new RegExp(
        `^(node:.*|${['fs', 'path', 'url', 'module', 'os', 'child_process', 'worker_threads', 'util', 'crypto', ...stub].map((s) => s.replace(/[/.]/g, '\\$&')).join('|')})$`,
      );
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'gptft-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'gptft-stub' }, () => ({
        contents: 'module.exports = {};',
        loader: 'js',
      }));
    },
  };
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: strict ? [] : [stubs],
    minify,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return out.outputFiles[0].text;
}

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.txt': 'text/plain',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The file under one of `folders` (URL prefix → folder) that `url` names, or undefined. */
function staticFile(folders, url) {
  const path = decodeURIComponent(url.split('?')[0]);
  for (const [prefix, dir] of Object.entries(folders)) {
    if (!path.startsWith(prefix)) continue;
    const rel = normalize(path.slice(prefix.length));
    if (rel.startsWith('..') || rel.startsWith(sep)) return undefined;
    const file = join(dir, rel);
    // A built site's clean URLs: /guide/x is guide/x.html, /guide/ is guide/index.html.
    for (const candidate of [file, `${file}.html`, join(file, 'index.html')]) {
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {}
    }
  }
  return undefined;
}

/**
 * Serves a built static site (e.g. VitePress' `.vitepress/dist`, clean URLs) on 127.0.0.1, plus
 * the files of `folders`, with `headers` on every response (COOP/COEP for a cross-origin-isolated
 * page); returns its URL and a close().
 */
export function serveSite(root, { folders = {}, headers = {} } = {}) {
  return serve(undefined, { folders: { ...folders, '/': root }, headers });
}

/** Headless Chromium (see `CHROMIUM_FLAGS`, plus `flags`), driven by playwright-core. */
export async function launchChromium({ flags = [] } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright gives every launch a new empty profile of its own.
    args: [...CHROMIUM_FLAGS, ...flags].filter((f) => f !== '--headless=new'),
    timeout: 120_000,
  });
}

/**
 * Serves one page (index.html running `script`) on 127.0.0.1, plus the files of `folders`
 * (URL prefix → folder, e.g. `{ '/fixtures/': dir }`); returns its URL, the URLs requested so far
 * (`requests`, in order: what a page downloaded, its workers' fetches included) and a close().
 */
export async function serve(script, { folders = {}, headers = {} } = {}) {
  const html =
    '<!doctype html><meta charset="utf-8"><title>gptft</title><script type="module" src="/main.js"></script>';
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const file = staticFile(folders, req.url ?? '/');
    if (file) {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (script !== undefined && req.url === '/main.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
    } else if (script !== undefined && (req.url === '/' || req.url === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * Bundles `entry`, opens it in headless Chromium and waits (at most `timeoutMs`) for the page's
 * report. Resolves with `{ result, console, errors, scriptBytes }`; rejects with the page's errors
 * when it reports nothing in time, or when Chromium is missing (naming the Debian package).
 * `folders` are served beside the page (see `serve`); `strict` bundles without Node stubs;
 * `screenshot` saves a PNG of the page once it has reported.
 */
export async function runInChromium(
  entry,
  { timeoutMs = 300_000, flags = [], stub = [], strict = false, folders = {}, headers = {}, screenshot } = {},
) {
  const script = await bundle(entry, { stub, strict });
  const site = await serve(script, { folders, headers });
  const browser = await launchChromium({ flags }).catch(async (e) => {
    await site.close();
    throw e;
  });
  const consoleLines = [];
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url);
    await page
      .waitForFunction(() => window.__gptftResult !== undefined, null, { timeout: timeoutMs, polling: 250 })
      .catch((e) => {
        throw new Error(
          `the page reported nothing within ${timeoutMs} ms (${e.message.split('\n')[0]}); ` +
            `page errors: ${errors.join(' | ') || 'none'}; console: ${consoleLines.slice(-5).join(' | ')}`,
        );
      });
    const result = await page.evaluate(() => window.__gptftResult);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { result, console: consoleLines, errors, scriptBytes: Buffer.byteLength(script) };
  } finally {
    await browser.close();
    await site.close();
  }
}
