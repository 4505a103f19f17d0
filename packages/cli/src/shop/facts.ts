import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError } from '../errors.js';

const text = z.string().trim().min(1, 'must not be empty');

/**
 * The facts of the demo's shop (`data/shop/shop.json`): everything the assistant is meant to know.
 * Edit the file (or pass your own with `gptft demo --facts`) and the generated conversations,
 * their expected answers and the fine-tuned assistant follow.
 */
export const shopFactsSchema = z.strictObject({
  /** The shop's name: the assistant introduces itself with it. */
  name: text,
  products: z
    .array(
      z.strictObject({
        /** Lower case, as a customer writes it ("copper kettle"); asked as "the {name}". */
        name: text,
        /** As the assistant says it ("$34.50"). */
        price: text,
        /** Units in stock; 0 = out of stock. */
        stock: z.number().int().nonnegative(),
        /** When an out-of-stock product comes back ("June 14"). */
        restock: text.optional(),
      }),
    )
    .min(1),
  hours: z
    .array(
      z.strictObject({
        /** Day names ("Monday"), each asked about on its own. */
        days: z.array(text).min(1),
        /** "9 am to 6 pm", or "closed". */
        hours: text,
      }),
    )
    .min(1),
  shipping: z
    .array(
      z.strictObject({
        /** Lower case ("standard"); asked as "{name} shipping". */
        name: text,
        /** "3 to 5 business days" */
        time: text,
        /** "$4.95" */
        cost: text,
      }),
    )
    .min(1),
  /** Order total above which shipping is free ("$50"). */
  freeShippingOver: text,
  returns: z.strictObject({
    /** Days after purchase within which items may be returned. */
    days: z.number().int().positive(),
    /** What a returned item must be ("unused and in the original box"). */
    condition: text,
    /** When a refund is paid ("within 5 business days"). */
    refund: text,
  }),
  /** Accepted payment methods ("Visa", "PayPal", "cash"). */
  payment: z.array(text).min(1),
  orders: z.array(
    z.strictObject({
      /** Order number as customers quote it ("A1042"). */
      id: text,
      /** Completes "Order A1042 …": "was shipped on May 3". */
      status: text,
    }),
  ),
  contact: z.strictObject({ phone: text, email: text, address: text }),
});

export type ShopFacts = z.output<typeof shopFactsSchema>;

/** Validates shop facts; errors name the field (`products.2.price: …`) and where they came from. */
export function parseShopFacts(data: unknown, source = 'shop facts'): ShopFacts {
  const r = shopFactsSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new CliError(
      `${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      'see data/shop/README.md for the fields of a shop facts file',
    );
  }
  const names = new Set<string>();
  for (const [i, p] of r.data.products.entries()) {
    if (names.has(p.name.toLowerCase())) {
      throw new CliError(`${source}: products.${i}.name: "${p.name}" is listed twice`);
    }
    names.add(p.name.toLowerCase());
  }
  return r.data;
}

/** Reads and validates a shop facts JSON file. */
export async function readShopFacts(path: string): Promise<ShopFacts> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new CliError(
      `shop facts file not found: ${path}`,
      'pass --facts a JSON file like data/shop/shop.json',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseShopFacts(data, path);
}
