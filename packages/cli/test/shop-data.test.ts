// The demo's task data: generated from data/shop/shop.json by a seeded generator; the validation
// and test questions are phrasings that training never shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFactCorrect } from '@gptft/metrics';
import { describe, expect, it } from 'vitest';
import { parseShopFacts, readShopFacts, type ShopFacts } from '../src/shop/facts.js';
import {
  generateShopConversations,
  type ShopConversation,
  writeShopConversations,
} from '../src/shop/generate.js';
import { CLOSINGS, FACT_KINDS, FOLLOW_UPS, OPENINGS, QUESTIONS, SPLITS } from '../src/shop/phrasings.js';
import { gptft, repoRoot, tempDir } from './helpers.js';

const SHOP_DIR = join(repoRoot, 'data/shop');
const shop = await readShopFacts(join(SHOP_DIR, 'shop.json'));

/** Every user message of a split. */
const userTurns = (convs: readonly ShopConversation[]) =>
  convs.flatMap((c) => c.messages.filter((m) => m.role === 'user').map((m) => m.content));

/**
 * A question with the shop's own words (products, days, shipping options, order numbers) replaced
 * by a placeholder and any opening or closing removed: what is left is its phrasing.
 */
function phrasing(question: string, facts: ShopFacts): string {
  let q = question;
  for (const o of [...OPENINGS.train, ...OPENINGS.heldOut]) if (q.startsWith(o)) q = q.slice(o.length);
  for (const c of [...CLOSINGS.train, ...CLOSINGS.heldOut]) if (q.endsWith(c)) q = q.slice(0, -c.length);
  const values = [
    ...facts.products.map((p) => p.name),
    ...facts.hours.flatMap((h) => h.days),
    ...facts.shipping.map((s) => s.name),
    ...facts.orders.map((o) => o.id),
  ].sort((a, b) => b.length - a.length);
  for (const v of values) q = q.split(v).join('{}');
  return q.toLowerCase();
}

describe('shop conversations (data/shop)', () => {
  it('the same seed writes the same files; another seed another order of the same conversations', async () => {
    const a = tempDir('shop-a-');
    const b = tempDir('shop-b-');
    await writeShopConversations(a, generateShopConversations(shop, { seed: 7 }));
    await writeShopConversations(b, generateShopConversations(shop, { seed: 7 }));
    for (const s of SPLITS) {
      expect(readFileSync(join(a, `${s}.jsonl`), 'utf8')).toBe(readFileSync(join(b, `${s}.jsonl`), 'utf8'));
    }
    const other = generateShopConversations(shop, { seed: 8 });
    const seven = generateShopConversations(shop, { seed: 7 });
    expect(JSON.stringify(other.train)).not.toBe(JSON.stringify(seven.train));
    expect(other.test.length).toBe(seven.test.length);
  });

  it('no validation or test question is phrased as any training question', () => {
    const splits = generateShopConversations(shop, { seed: 42 });
    const train = new Set(userTurns(splits.train).map((q) => phrasing(q, shop)));
    expect(train.size).toBeGreaterThan(100);
    for (const s of ['validation', 'test'] as const) {
      const held = userTurns(splits[s]);
      expect(held.length).toBeGreaterThan(50);
      for (const q of held) {
        expect(train.has(phrasing(q, shop)), `${s}: "${q}" is phrased as a training question`).toBe(false);
        expect(userTurns(splits.train)).not.toContain(q);
      }
    }
    // and validation and test do not share phrasings either
    const val = new Set(userTurns(splits.validation).map((q) => phrasing(q, shop)));
    for (const q of userTurns(splits.test)) expect(val.has(phrasing(q, shop)), q).toBe(false);
  });

  it('the template tables themselves are disjoint between splits', () => {
    const tables = [...FACT_KINDS.map((k) => QUESTIONS[k]), ...Object.values(FOLLOW_UPS)];
    for (const t of tables) {
      const train = new Set(t.train.map((q) => q.toLowerCase()));
      for (const q of [...t.validation, ...t.test]) expect(train.has(q.toLowerCase()), q).toBe(false);
    }
  });

  it('every reference reply contains its expected facts, and the test set asks about every fact', () => {
    const splits = generateShopConversations(shop, { seed: 42 });
    for (const s of SPLITS) {
      for (const c of splits[s]) {
        const last = c.messages[c.messages.length - 1]!;
        expect(last.role).toBe('assistant');
        if (c.kind === 'small-talk') continue;
        expect(isFactCorrect(last.content, c.expected), JSON.stringify(c)).toBe(true);
      }
    }
    const expectedInTest = new Set(splits.test.flatMap((c) => c.expected));
    for (const p of shop.products) expect(expectedInTest).toContain(p.price);
    for (const o of shop.orders) expect(expectedInTest).toContain(o.status);
    for (const k of FACT_KINDS)
      expect(
        splits.test.some((c) => c.kind === k),
        k,
      ).toBe(true);
    expect(splits.test.some((c) => c.kind === 'small-talk')).toBe(false);
  });

  it('data/shop holds exactly what the generator writes from data/shop/shop.json (seed 42)', async () => {
    const splits = generateShopConversations(shop, { seed: 42 });
    const out = tempDir('shop-write-');
    const paths = await writeShopConversations(out, splits);
    for (const s of SPLITS) {
      expect(readFileSync(join(SHOP_DIR, `${s}.jsonl`), 'utf8'), `data/shop/${s}.jsonl`).toBe(
        readFileSync(paths[s], 'utf8'),
      );
    }
  });

  it('gptft demo --write-data writes the same files and nothing else', async () => {
    const out = join(tempDir('shop-cli-'), 'data');
    const r = await gptft(['demo', '--write-data', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    for (const s of SPLITS) {
      expect(readFileSync(res.files[s], 'utf8')).toBe(readFileSync(join(SHOP_DIR, `${s}.jsonl`), 'utf8'));
    }
  });

  it('a bad facts file fails naming the field', () => {
    const raw = JSON.parse(readFileSync(join(SHOP_DIR, 'shop.json'), 'utf8'));
    raw.products[1].price = 27;
    expect(() => parseShopFacts(raw, 'my-shop.json')).toThrow(/my-shop\.json: products\.1\.price/);
    const twice = JSON.parse(readFileSync(join(SHOP_DIR, 'shop.json'), 'utf8'));
    twice.products.push({ ...twice.products[0] });
    expect(() => parseShopFacts(twice)).toThrow(/products\.8\.name: "copper kettle" is listed twice/);
    expect(() => parseShopFacts({ ...raw, products: [], extra: 1 })).toThrow(/shop facts: /);
  });
});
