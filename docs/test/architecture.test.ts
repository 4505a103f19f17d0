// docs/architecture.md's package diagram is checked against every package.json, so it cannot
// drift from the arrows that exist (issue 17 §4): each `a, b ──► x, y` line lists exactly the
// `@gptft/*` `dependencies` of a and of b, `(no dependencies)` means none, the backend line
// (`backend ◄── p, q ◄── r`) says p and q depend on backend and r on q, every package is drawn once,
// and each package depends only on packages drawn on lines below its own.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Short name (without `@gptft/`) → its `@gptft/*` dependencies, from every packages/x/package.json. */
function packageDependencies(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
    };
    const short = (n: string) => n.replace(/^@gptft\//, '');
    const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@gptft/'));
    out.set(short(pkg.name), deps.map(short).sort());
  }
  return out;
}

interface Drawn {
  /** Line of the diagram (0-based) where the package is drawn as a dependent. */
  line: number;
  deps: string[];
  /** Drawn on the backend line, pointing at what it extends. */
  extends?: boolean;
}

/** The diagram of docs/architecture.md: package → its drawn dependencies and its line. */
function drawnDependencies(): Map<string, Drawn> {
  const text = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const block = /```\n([\s\S]*?)```/.exec(text)![1]!;
  // A line that starts with spaces continues the list of the line above it.
  const lines: string[] = [];
  for (const l of block.split('\n')) {
    if (!l.trim()) continue;
    if (/^\s/.test(l)) lines[lines.length - 1] += ` ${l.trim()}`;
    else lines.push(l);
  }
  const names = (s: string) =>
    s
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
  const out = new Map<string, Drawn>();
  const put = (name: string, line: number, deps: string[], extendsTarget = false) => {
    expect(out.has(name), `${name} is drawn twice`).toBe(false);
    out.set(name, { line, deps: [...deps].sort(), ...(extendsTarget && { extends: true }) });
  };
  lines.forEach((l, i) => {
    if (l.includes('◄')) {
      // backend ◄── a, b ◄── c: a and b depend on backend, c on b (the name left of its arrow).
      const parts = l.split(/\s*◄─+\s*/);
      for (let k = 1; k < parts.length; k++) {
        const target = k === 1 ? parts[0]!.trim() : names(parts[k - 1]!).at(-1)!;
        // Further right is further up: backend-node-gpu sits above backend-node.
        for (const n of names(parts[k]!)) put(n, i - (k - 1) / 10, [target], true);
      }
      put(parts[0]!.trim(), i + 1, []);
    } else if (l.includes('►')) {
      const [left, right] = l.split(/\s*─+►\s*/);
      for (const n of names(left!)) put(n, i, names(right!));
    } else {
      const m = /^(\S[^(]*?)\s+\(no dependencies\)$/.exec(l);
      expect(m, `a diagram line neither arrow nor "(no dependencies)": ${l}`).not.toBeNull();
      for (const n of names(m![1]!)) put(n, i, []);
    }
  });
  return out;
}

describe('docs/architecture.md', () => {
  const actual = packageDependencies();
  const drawn = drawnDependencies();

  it('draws every package, and no package that does not exist', () => {
    expect([...drawn.keys()].sort()).toEqual([...actual.keys()].sort());
  });

  it("draws each package's @gptft dependencies as its package.json lists them", () => {
    for (const [name, deps] of actual) {
      const d = drawn.get(name)!;
      if (d.extends) {
        // The backend line: a backend package depends on what it points at, and at most on what
        // that depends on in turn (backend-node-gpu → backend-node → backend).
        const target = d.deps[0]!;
        expect(deps, name).toContain(target);
        const allowed = new Set([target, ...(actual.get(target) ?? [])]);
        for (const x of deps) expect(allowed.has(x), `${name} → ${x} is not drawn`).toBe(true);
      } else {
        expect(d.deps, `${name}'s drawn dependencies`).toEqual(deps);
      }
    }
  });

  it('every arrow points down: a package depends only on packages drawn below it', () => {
    for (const [name, deps] of actual) {
      for (const dep of deps) {
        expect(drawn.get(dep)!.line, `${name} → ${dep}`).toBeGreaterThan(drawn.get(name)!.line);
      }
    }
  });
});
