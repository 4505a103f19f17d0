import { join } from 'node:path';
import { SeededRandom } from '@gptft/backend';
import type { ChatMessage } from '@gptft/datasets';
import { writeFileAtomic } from '@gptft/hub';
import type { ShopFacts } from './facts.js';
import {
  CLOSINGS,
  FACT_KINDS,
  FOLLOW_UPS,
  type FactKind,
  type FollowUpKind,
  OPENINGS,
  QUESTIONS,
  SMALL_TALK,
  SPLITS,
  type Split,
} from './phrasings.js';

/**
 * One generated conversation: chat messages (`gptft sft` reads the `messages`), the kind of fact
 * its last question asks for, and the strings the last assistant reply must contain to be right
 * (all of them; empty for small talk).
 */
export interface ShopConversation {
  kind: FactKind | 'small-talk';
  expected: string[];
  messages: ChatMessage[];
}

export type ShopSplits = Record<Split, ShopConversation[]>;

/** One thing a question can be about: its template slots, the assistant's answer, the expected facts. */
interface Fact {
  kind: FactKind;
  slots: Record<string, string>;
  answer: string;
  expected: string[];
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function listing(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Every fact of the shop with the answer the assistant gives and what that answer must contain. */
export function shopFacts(shop: ShopFacts): Fact[] {
  const facts: Fact[] = [
    {
      kind: 'identity',
      slots: {},
      answer: `I am the assistant of ${shop.name}. How can I help you?`,
      expected: [shop.name],
    },
  ];
  for (const p of shop.products) {
    const product = p.name;
    facts.push({
      kind: 'price',
      slots: { product },
      answer: `It costs ${p.price}.`,
      expected: [p.price],
    });
    facts.push(
      p.stock > 0
        ? {
            kind: 'stock',
            slots: { product },
            answer: `Yes, it is in stock: we have ${p.stock} left.`,
            expected: [`${p.stock} left`],
          }
        : {
            kind: 'stock',
            slots: { product },
            answer: `Sorry, it is out of stock.${p.restock ? ` More arrive on ${p.restock}.` : ''}`,
            expected: ['out of stock', ...(p.restock ? [p.restock] : [])],
          },
    );
  }
  for (const h of shop.hours) {
    const closed = h.hours.toLowerCase() === 'closed';
    for (const day of h.days) {
      facts.push({
        kind: 'hours',
        slots: { day },
        answer: closed ? `Sorry, we are closed that day.` : `That day we are open from ${h.hours}.`,
        expected: [closed ? 'closed' : h.hours],
      });
    }
  }
  for (const s of shop.shipping) {
    facts.push({
      kind: 'shipping-time',
      slots: { option: s.name },
      answer: `It takes ${s.time}.`,
      expected: [s.time],
    });
    facts.push({
      kind: 'shipping-cost',
      slots: { option: s.name },
      answer: `It costs ${s.cost}.`,
      expected: [s.cost],
    });
  }
  const r = shop.returns;
  const c = shop.contact;
  facts.push(
    {
      kind: 'free-shipping',
      slots: {},
      answer: `Shipping is free on orders over ${shop.freeShippingOver}.`,
      expected: [shop.freeShippingOver],
    },
    {
      kind: 'return-window',
      slots: {},
      answer: `You can return items within ${r.days} days of purchase.`,
      expected: [`${r.days} days`],
    },
    {
      kind: 'return-condition',
      slots: {},
      answer: `Returned items must be ${r.condition}.`,
      expected: [r.condition],
    },
    {
      kind: 'refund',
      slots: {},
      answer: `Refunds go back to your original payment method ${r.refund}.`,
      expected: [r.refund],
    },
    {
      kind: 'payment',
      slots: {},
      answer: `We accept ${listing(shop.payment)}.`,
      expected: [...shop.payment],
    },
  );
  for (const o of shop.orders) {
    facts.push({
      kind: 'order-status',
      slots: { id: o.id },
      answer: `Your order ${o.status}.`,
      expected: [o.status],
    });
  }
  facts.push(
    { kind: 'phone', slots: {}, answer: `You can call us at ${c.phone}.`, expected: [c.phone] },
    { kind: 'email', slots: {}, answer: `You can email us at ${c.email}.`, expected: [c.email] },
    { kind: 'address', slots: {}, answer: `The shop is at ${c.address}.`, expected: [c.address] },
  );
  return facts;
}

/** A template with its `{slot}`s filled. */
export function fillTemplate(template: string, slots: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = slots[name];
    if (v === undefined) throw new Error(`template ${JSON.stringify(template)}: no value for {${name}}`);
    return v;
  });
}

/** The question, sometimes with an opening ("Hi! ") or a closing (" Thanks!") from the split's own set. */
function decorate(question: string, split: Split, rng: SeededRandom): string {
  const set = split === 'train' ? 'train' : 'heldOut';
  let q = cap(question);
  if (rng.nextFloat() < 0.25) {
    const opening = OPENINGS[set][rng.nextInt(OPENINGS[set].length)]!;
    // "Hello, what is…" but "Hello, I'd like…"
    const first = /^I\b/.test(q) || opening.endsWith('! ') ? q : q.charAt(0).toLowerCase() + q.slice(1);
    q = opening + first;
  }
  if (rng.nextFloat() < 0.15) q += CLOSINGS[set][rng.nextInt(CLOSINGS[set].length)]!;
  return q;
}

const turn = (role: 'user' | 'assistant', content: string): ChatMessage => ({ role, content });

/**
 * The demo's conversations from a shop's facts, deterministic for a seed. Every fact is asked with
 * every question template of the split (train: 8 per kind, validation: 2, test: 3; different
 * templates in each split), some questions get an opening or a closing, and two-turn conversations
 * ask a follow-up ("Is it in stock?") after a first question about the same product or shipping
 * option. Training also gets a few greetings and goodbyes. Each split is shuffled.
 */
export function generateShopConversations(shop: ShopFacts, options: { seed?: number } = {}): ShopSplits {
  const seed = options.seed ?? 42;
  const facts = shopFacts(shop);
  const out = {} as ShopSplits;
  for (const [si, split] of SPLITS.entries()) {
    const rng = new SeededRandom(seed * 3 + si);
    const convs: ShopConversation[] = [];
    for (const kind of FACT_KINDS) {
      for (const f of facts.filter((x) => x.kind === kind)) {
        for (const t of QUESTIONS[kind][split]) {
          convs.push({
            kind,
            expected: f.expected,
            messages: [
              turn('user', decorate(fillTemplate(t, f.slots), split, rng)),
              turn('assistant', f.answer),
            ],
          });
        }
      }
    }
    for (const key of Object.keys(FOLLOW_UPS) as FollowUpKind[]) {
      const [firstKind, secondKind] = key.split('>') as [FactKind, FactKind];
      for (const first of facts.filter((x) => x.kind === firstKind)) {
        const slotKey = JSON.stringify(first.slots);
        const second = facts.find((x) => x.kind === secondKind && JSON.stringify(x.slots) === slotKey);
        if (!second) continue;
        for (const followUp of FOLLOW_UPS[key][split]) {
          const templates = QUESTIONS[firstKind][split];
          const opening = fillTemplate(templates[rng.nextInt(templates.length)]!, first.slots);
          convs.push({
            kind: secondKind,
            expected: second.expected,
            messages: [
              turn('user', decorate(opening, split, rng)),
              turn('assistant', first.answer),
              turn('user', followUp),
              turn('assistant', second.answer),
            ],
          });
        }
      }
    }
    if (split === 'train') {
      for (const s of SMALL_TALK) {
        convs.push({
          kind: 'small-talk',
          expected: [],
          messages: [turn('user', s.user), turn('assistant', fillTemplate(s.assistant, { shop: shop.name }))],
        });
      }
    }
    out[split] = rng.shuffle(convs);
  }
  return out;
}

/** The JSONL text of a split: one conversation per line. */
export function toJsonl(convs: readonly ShopConversation[]): string {
  return convs.map((c) => JSON.stringify(c)).join('\n') + '\n';
}

/** Writes `train.jsonl`, `validation.jsonl` and `test.jsonl` (atomically) into `dir`; returns their paths. */
export async function writeShopConversations(
  dir: string,
  splits: ShopSplits,
): Promise<Record<Split, string>> {
  const paths = {} as Record<Split, string>;
  for (const split of SPLITS) {
    paths[split] = join(dir, `${split}.jsonl`);
    await writeFileAtomic(paths[split], toJsonl(splits[split]));
  }
  return paths;
}
