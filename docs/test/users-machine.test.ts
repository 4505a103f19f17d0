// The docs speak of the reader's machine, not of the machines gptft is built on (issue 18 §3).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const docs = fileURLToPath(new URL('..', import.meta.url));
const pages = [
  join(docs, '..', 'README.md'),
  join(docs, 'index.md'),
  ...['guide', 'tasks'].flatMap((d) =>
    readdirSync(join(docs, d))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(docs, d, f)),
  ),
];

describe("the docs address the user's machine", () => {
  it.each(pages)('%s says nothing about build machines', (page) => {
    const text = readFileSync(page, 'utf8');
    expect(text).not.toMatch(
      /build machines?|\bour machines?|offline there|on this hardware|the machines? (gptft|the project) (is|was) built on/i,
    );
  });
});
