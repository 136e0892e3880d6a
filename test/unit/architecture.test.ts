/**
 * The layering rules of docs/architecture.md, checked on the source itself so
 * that they cannot drift: the core does no I/O, no module imports itself back
 * through a cycle, and no source file outgrows one screenful of purpose.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const pending = [join(ROOT, dir)];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const entry of readdirSync(next)) {
      const path = join(next, entry);
      if (statSync(path).isDirectory()) pending.push(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
    }
  }
  return out.sort();
}

/** Static and dynamic import specifiers of one file (type-only imports included: they still couple modules). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  const patterns = [/\bfrom\s+'([^']+)'/g, /\bimport\s*\(\s*'([^']+)'\s*\)/g, /^\s*import\s+'([^']+)'/gm];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) specifiers.push(m[1] as string);
  return specifiers;
}

/** The project file a relative specifier names (`./x.js` is written for `./x.ts`). */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(from), specifier);
  return target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target;
}

const FILES = [...sourceFiles('src'), ...sourceFiles('jobs')];

/** Strongly connected components with more than one file, or a file importing itself (iterative Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++] as string;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || edges.includes(frame.node)) found.push(component.map((f) => relative(ROOT, f)).sort());
      }
    }
  }
  return found;
}

describe('architecture', () => {
  it('has no import cycle in src/ or jobs/', () => {
    const graph = new Map<string, string[]>();
    for (const file of FILES) {
      const local = importsOf(file)
        .map((s) => resolveLocal(file, s))
        .filter((f): f is string => f !== undefined && FILES.includes(f));
      graph.set(file, local);
    }
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the checker itself works)', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ]);
    expect(cycles(graph)).toHaveLength(1);
  });

  it('keeps src/core free of I/O and of the adapters', () => {
    const forbidden = /^(knex|mysql2|better-sqlite3|bullmq|ioredis|fastify|@fastify\/|@bull-board\/|pino|node:fs|fs|node:net|node:http|node:https|node:child_process)/;
    const offenders: string[] = [];
    for (const file of FILES.filter((f) => relative(ROOT, f).startsWith('src/core/'))) {
      for (const specifier of importsOf(file)) {
        const local = resolveLocal(file, specifier);
        const leavesCore = local !== undefined && !relative(ROOT, local).startsWith('src/core/');
        if (forbidden.test(specifier) || leavesCore) offenders.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it(`keeps every file in src/ and jobs/ under ${MAX_LINES} lines`, () => {
    const long = FILES.map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 })).filter(
      (f) => f.lines > MAX_LINES,
    );
    expect(long).toEqual([]);
  });
});
