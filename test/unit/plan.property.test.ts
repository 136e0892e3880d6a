import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredDepartment } from '../../src/core/model.js';
import { applyInMemory, plan, shape } from '../support/planHarness.js';

/** A random forest: node i's parent is an earlier node or none, so it is acyclic by construction. */
const forest = fc
  .integer({ min: 1, max: 60 })
  .chain((n) =>
    fc.record({
      parents: fc.tuple(...Array.from({ length: n }, (_, i) => fc.integer({ min: -1, max: i - 1 }))),
      order: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
      byOpenId: fc.boolean(),
    }),
  );

type Forest = { parents: number[]; order: number[]; byOpenId: boolean };

function rowsOf(f: Forest, order = f.order): Record<string, unknown>[] {
  return order.map((i) => {
    const p = f.parents[i]!;
    const row: Record<string, unknown> = { name: `Dept ${i}`, code: `C${i}`, openDepartmentId: `ou_${i}` };
    if (f.byOpenId) {
      row.parentDepartmentId = p < 0 ? 'root' : `ou_${p}`;
      row.departmentIdType = 'open_department_id';
    } else row.parentCode = p < 0 ? '' : `C${p}`;
    return row;
  });
}

function expectedShape(f: Forest): string[] {
  const names = (i: number): string[] => (i < 0 ? [] : [...names(f.parents[i]!), `Dept ${i}`]);
  return f.parents
    .map((p, i) => `${names(i).join('/')}|${p < 0 ? '' : `Dept ${p}`}|${names(i).length - 1}|active|C${i}|`)
    .sort();
}

describe('planning properties', () => {
  it('for any tree in any row order: parents are created before children and the tree is exact', () => {
    fc.assert(
      fc.property(forest, (f) => {
        const p = plan(rowsOf(f));
        expect(p.errors).toEqual([]);
        const seen = new Set<string>();
        for (const d of p.creates) {
          if (d.parentId !== null) expect(seen.has(d.parentId)).toBe(true);
          seen.add(d.id);
        }
        const store = new Map<string, StoredDepartment>();
        applyInMemory(store, p);
        expect(shape(store)).toEqual(expectedShape(f));
      }),
      { numRuns: 200 },
    );
  });

  it('importing twice changes nothing, whatever the order of the second file', () => {
    fc.assert(
      fc.property(forest, fc.infiniteStream(fc.nat()), (f, rand) => {
        const store = new Map<string, StoredDepartment>();
        applyInMemory(store, plan(rowsOf(f)));
        const reordered = [...f.order].sort(() => (rand.next().value % 3) - 1);
        const again = plan(rowsOf(f, reordered), { stored: [...store.values()] });
        expect(again.creates).toEqual([]);
        expect(again.updates).toEqual([]);
        expect(again.counts.unchanged).toBe(f.parents.length);
      }),
      { numRuns: 150 },
    );
  });

  it('splitting a file into several imports gives the same tree', () => {
    fc.assert(
      fc.property(forest, fc.integer({ min: 1, max: 4 }), (f, parts) => {
        // Parents must exist by the time a part refers to them, so split the topological order.
        const topo = [...f.order].sort((a, b) => depthOf(f, a) - depthOf(f, b));
        const size = Math.ceil(topo.length / parts);
        const store = new Map<string, StoredDepartment>();
        for (let i = 0; i < topo.length; i += size) {
          const p = plan(rowsOf(f, topo.slice(i, i + size)), { stored: [...store.values()], newId: uniqueIds(i) });
          expect(p.errors).toEqual([]);
          applyInMemory(store, p);
        }
        expect(shape(store)).toEqual(expectedShape(f));
      }),
      { numRuns: 100 },
    );
  });

  it('a random cycle is always reported, never planned', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (n) => {
        const rows = Array.from({ length: n }, (_, i) => ({ name: `N${i}`, code: `C${i}`, parentCode: `C${(i + 1) % n}` }));
        const p = plan(rows);
        expect(p.creates).toEqual([]);
        expect(p.errors.every((e) => e.code === (n === 1 ? 'SELF_PARENT' : 'CYCLE_DETECTED'))).toBe(true);
        expect(p.errors).toHaveLength(n);
      }),
    );
  });
});

function depthOf(f: Forest, i: number): number {
  let d = 0;
  for (let p = f.parents[i]!; p >= 0; p = f.parents[p]!) d++;
  return d;
}

function uniqueIds(seed: number): () => string {
  let n = 0;
  return () => `dept_p${seed}_${++n}`;
}
