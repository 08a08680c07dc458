// The source's layers (issue 9, "layers without cycles"): no module imports itself through others, and
// a layer imports only the layers below it. Type-only imports are left out (they vanish at compile
// time); dynamic import('...') counts. The layers, lowest first: the kernels; linear algebra and
// statistics; data files; the panel; the model specification; the GMM engine; the bootstrap and the
// model input (src/input); reports and run folders; the study and the workloads; scale-out; the
// library API; the command line. The files at src/ itself are shared utilities (errors, whole
// numbers, worker threads), except the library's entry point, index.ts, which may import anything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(new URL('../src', import.meta.url).pathname);
const RANK: Record<string, number> = {
  kernels: 0, linalg: 1, stats: 1, data: 2, panel: 3, spec: 4, gmm: 5, bootstrap: 6, input: 6,
  report: 7, run: 7, study: 8, workloads: 8, scale: 9, api: 10, cli: 11,
};
const ENTRIES = new Set(['index.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The modules a source file imports at run time (static value imports, re-exports and import()). */
export function valueImports(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'(\.[^']+)'/gm)) if (!m[1]) out.push(resolve(dirname(file), m[2]!));
  for (const m of text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)) out.push(resolve(dirname(file), m[1]!));
  return out.filter((p) => p.endsWith('.ts'));
}

function rankOf(file: string): number {
  const parts = relative(SRC, file).split('/');
  if (parts.length === 1) return ENTRIES.has(parts[0]!) ? Infinity : -1;
  const r = RANK[parts[0]!];
  if (r === undefined) throw new Error(`src/${parts[0]}: a folder with no layer in test/layers.test.ts`);
  return r;
}

const graph = new Map(sources(SRC).map((f) => [f, valueImports(f, readFileSync(f, 'utf8'))]));

/** Strongly connected components of more than one module (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(relative(SRC, w));
      } while (w !== v);
      if (c.length > 1) found.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('source layers', () => {
  it('reads the imports it checks (a value import, a re-export, import(); not a type-only import)', () => {
    const text = "import { a } from './x.ts';\nimport type { B } from '../y.ts';\nexport { c } from './z.ts';\nconst m = await import('../w.ts');";
    expect(valueImports('/s/gmm/f.ts', text)).toEqual(['/s/gmm/x.ts', '/s/gmm/z.ts', '/s/w.ts']);
    expect(graph.size).toBeGreaterThan(100);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
    // The check finds a cycle where there is one.
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c'].map((x) => relative(SRC, x))].map((c) => c.sort()));
  });

  it('imports only from its own layer or below', () => {
    const upward = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => graph.has(d) && rankOf(d) > rankOf(f)).map((d) => `${relative(SRC, f)} imports ${relative(SRC, d)}`),
    );
    expect(upward).toEqual([]);
  });
});
