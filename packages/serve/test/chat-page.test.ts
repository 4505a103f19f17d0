/// <reference lib="dom" />
// The chat page at / in headless Chromium (Debian's /usr/bin/chromium driven by puppeteer-core):
// pick the adapter, type a message, watch the reply stream in; it is the API's greedy reply.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loaded, loadFixture, type Running, startServer } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let loaded: Loaded;
let running: Running;
let browser: Browser;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  loaded = await loadFixture();
  running = await startServer({ model: loaded.model, tokenizer: loaded.tokenizer, peft: loaded.peft });
  profile = mkdtempSync(join(tmpdir(), 'gptft-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    protocolTimeout: 180_000,
  });
});
afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await running?.close();
  loaded?.peft?.unload();
  loaded?.model.dispose();
});

describe('chat page', () => {
  it('type a message, see the reply stream in: the greedy reply of the picked adapter', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(120_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${running.baseURL}/`);
    await page.waitForSelector('body[data-ready="true"]');
    const options = await page.$$eval('#model option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(['base', 'lora', 'prefix']);
    await page.select('#model', 'lora');
    await page.$eval('#max-tokens', (el) => {
      (el as HTMLInputElement).value = '24';
    });
    // count the reply's updates as they arrive
    await page.evaluate(() => {
      const w = window as unknown as { updates: number };
      w.updates = 0;
      new MutationObserver(() => {
        w.updates++;
      }).observe(document.getElementById('messages')!, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.type('#input', 'Where is my order?');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.assistant[data-state="done"]');
    const reply = await page.$eval('.assistant', (el) => el.firstChild?.textContent ?? '');
    const meta = await page.$eval('.assistant .meta', (el) => el.textContent);
    const updates = await page.evaluate(() => (window as unknown as { updates: number }).updates);
    const want = await running.client.chat.completions.create({
      model: 'lora',
      messages: [{ role: 'user', content: 'Where is my order?' }],
      temperature: 0,
      max_tokens: 24,
    });
    expect(reply).toBe(want.choices[0]!.message.content);
    expect(reply.length).toBeGreaterThan(5);
    expect(meta).toContain(`lora · finish: ${want.choices[0]!.finish_reason}`);
    expect(updates).toBeGreaterThan(4); // the text grew piece by piece
    // the user's message is shown, and a second turn carries the history
    expect(await page.$eval('.user', (el) => el.textContent)).toBe('Where is my order?');
    await page.type('#input', 'Thanks');
    await page.click('#send');
    await page.waitForFunction(() => document.querySelectorAll('.assistant[data-state="done"]').length === 2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
