// The pages include their code from real files (`<<< @/examples/x.ts`): every included file must
// exist, and every example must be run by a test (imported by a test file, directly or through
// another example), so no sample on the site can rot.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MULTI30K_DEFAULTS } from '../examples/tasks/multi30k-translation.js';
import { PRETRAIN_DEFAULTS } from '../examples/tasks/pretrain-wikitext.js';
import { SST2_DEFAULTS } from '../examples/tasks/sst2-classification.js';
import { UD_POS_DEFAULTS } from '../examples/tasks/ud-pos.js';
import { WNUT17_DEFAULTS } from '../examples/tasks/wnut17-ner.js';

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set([
  'node_modules',
  '.vitepress',
  'api',
  'runs',
  'test',
  'examples',
  'reference',
  'scripts',
]);

function walk(dir: string, keep: (f: string) => boolean, skip = new Set<string>()): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return skip.has(name) ? [] : walk(p, keep, skip);
    return keep(p) ? [p] : [];
  });
}

/** `<<< @/path{lang}` / `<<< @/path#region` snippet includes of a markdown text. */
function snippetIncludes(markdown: string): string[] {
  return [...markdown.matchAll(/^\s*<<<\s+@\/(\S+?)(?:#[\w-]+)?(?:\{[^}]*\})?(?:\s+\[[^\]]*\])?\s*$/gm)].map(
    (m) => m[1]!,
  );
}

/** Relative `.js`/`.ts` imports of a TypeScript file, resolved to `.ts` paths. */
function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
  );
}

const pages = [resolve(docs, 'index.md'), ...walk(docs, (f) => f.endsWith('.md'), SKIP)].filter(
  (f) => existsSync(f) && !f.endsWith('README.md'),
);

describe('pages and examples', () => {
  it('finds snippet includes (the parser itself)', () => {
    expect(
      snippetIncludes('a\n<<< @/examples/a.ts\n<<< @/runs/x/output.log{txt}\n  <<< @/examples/b.ts#part\n'),
    ).toEqual(['examples/a.ts', 'runs/x/output.log', 'examples/b.ts']);
    expect(snippetIncludes('text <<< @/not-a-line-start.ts')).toEqual([]);
  });

  it('every file a page includes exists', () => {
    expect(pages.length).toBeGreaterThan(10);
    const missing: string[] = [];
    let count = 0;
    for (const page of pages) {
      for (const inc of snippetIncludes(readFileSync(page, 'utf8'))) {
        count++;
        if (!existsSync(resolve(docs, inc))) missing.push(`${relative(docs, page)}: <<< @/${inc}`);
      }
    }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(10);
  });

  it('every docs/examples/**/*.ts is run by a test', () => {
    const examples = walk(resolve(docs, 'examples'), (f) => f.endsWith('.ts'));
    const reached = new Set<string>();
    const queue = walk(resolve(docs, 'test'), (f) => f.endsWith('.test.ts')).flatMap(localImports);
    while (queue.length > 0) {
      const f = queue.pop()!;
      if (reached.has(f) || !existsSync(f)) continue;
      reached.add(f);
      queue.push(...localImports(f));
    }
    expect(examples.filter((f) => !reached.has(f)).map((f) => relative(docs, f))).toEqual([]);
  });
});

// Each task page states the numbers of its recorded run (docs/runs/<run>/), and the run used the
// settings the example's defaults still have (so "the defaults" on the page are what was run).
const RECORDED: {
  page: string;
  run: string;
  defaults: Record<string, unknown>;
  /** Settings the run's command line changed (stated on the page next to the numbers). */
  overrides?: Record<string, unknown>;
  numbers: (m: any) => string[];
}[] = [
  {
    page: 'tasks/sentiment.md',
    run: 'sst2',
    defaults: SST2_DEFAULTS,
    numbers: (m) => [m.accuracy.toFixed(4), m.f1.toFixed(4)],
  },
  {
    page: 'tasks/ner.md',
    run: 'wnut17',
    defaults: WNUT17_DEFAULTS,
    numbers: (m) => [m.precision.toFixed(4), m.recall.toFixed(4), m.f1.toFixed(4)],
  },
  {
    page: 'tasks/sentiment.md',
    run: 'sst2-tiny-base',
    defaults: SST2_DEFAULTS,
    overrides: { base: '../models/tiny-base' },
    numbers: (m) => [m.accuracy.toFixed(4), m.f1.toFixed(4)],
  },
  { page: 'tasks/pos.md', run: 'ud-pos', defaults: UD_POS_DEFAULTS, numbers: (m) => [m.accuracy.toFixed(4)] },
  {
    page: 'tasks/pos.md',
    run: 'ud-pos-tiny-base',
    defaults: UD_POS_DEFAULTS,
    overrides: { base: '../models/tiny-base' },
    numbers: (m) => [m.accuracy.toFixed(4)],
  },
  {
    page: 'tasks/translation.md',
    run: 'multi30k',
    defaults: MULTI30K_DEFAULTS,
    numbers: (m) => [m.bleu.toFixed(2)],
  },
  {
    page: 'tasks/translation.md',
    run: 'multi30k-tiny-base',
    defaults: MULTI30K_DEFAULTS,
    overrides: { base: '../models/tiny-base' },
    numbers: (m) => [m.bleu.toFixed(2)],
  },
  {
    page: 'tasks/pretraining.md',
    run: 'pretrain-wikitext',
    defaults: PRETRAIN_DEFAULTS,
    numbers: (m) => [m.perplexity.toFixed(1), m.initialPerplexity.toFixed(1)],
  },
];

describe('recorded runs', () => {
  for (const { page, run, defaults, overrides, numbers } of RECORDED) {
    it(`${page} states the numbers of runs/${run} with the example's current defaults`, () => {
      const dir = resolve(docs, 'runs', run);
      for (const f of ['command.txt', 'machine.txt', 'settings.json', 'metrics.json', 'output.log']) {
        expect(existsSync(join(dir, f)), `runs/${run}/${f}`).toBe(true);
      }
      const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
      const text = readFileSync(resolve(docs, page), 'utf8');
      const overview = readFileSync(resolve(docs, 'tasks/index.md'), 'utf8');
      for (const n of numbers(metrics)) {
        expect(text, `${page} should state ${n}`).toContain(n);
        expect(overview, `tasks/index.md should state ${n}`).toContain(n);
      }
      expect(text).toContain(readFileSync(join(dir, 'command.txt'), 'utf8').trim());
      const { out: _o, data: _d, ...used } = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'));
      const { out: _o2, data: _d2, ...current } = defaults;
      expect(used).toEqual({ ...current, ...overrides });
    });
  }
});

/** What a page states for a fact accuracy of the demo: a percentage with one decimal. */
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

describe.skipIf(!existsSync(resolve(docs, 'runs/chat-sft/result.json')))('recorded demo run', () => {
  it('the README main job, tasks/chat-sft.md and tasks/index.md state the fact accuracy, losses and time of runs/chat-sft (gptft demo --json)', () => {
    const r = JSON.parse(readFileSync(resolve(docs, 'runs/chat-sft/result.json'), 'utf8'));
    const page = readFileSync(resolve(docs, 'tasks/chat-sft.md'), 'utf8');
    const overview = readFileSync(resolve(docs, 'tasks/index.md'), 'utf8');
    const readme = readFileSync(resolve(docs, '../README.md'), 'utf8');
    const mainJob = readme.slice(readme.indexOf('## Two commands'), readme.indexOf('## Documentation'));
    expect(mainJob.length).toBeGreaterThan(200);
    const numbers = [
      percent(r.fact_accuracy_before),
      percent(r.fact_accuracy_after),
      `${r.correct_after} of ${r.test_questions}`,
      r.eval_loss_before.toFixed(4),
      r.eval_loss_after.toFixed(4),
      `${Math.round(r.seconds)} s`,
    ];
    for (const n of numbers) {
      expect(page, `tasks/chat-sft.md should state ${n}`).toContain(n);
      expect(mainJob, `README.md's main job should state ${n}`).toContain(n);
    }
    for (const n of numbers.slice(0, 2)) expect(overview, `tasks/index.md should state ${n}`).toContain(n);
    expect(page).toContain(readFileSync(resolve(docs, 'runs/chat-sft/command.txt'), 'utf8').trim());
    // the held-out questions and the replies before and after, as the run printed them
    expect(r.samples.length).toBeGreaterThan(0);
    const cell = (s: string) => s.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
    for (const s of r.samples) {
      for (const t of [s.question, s.after]) expect(page, t).toContain(cell(t));
    }
  });
});
