/**
 * The planner's activity rule (src/core/plan/activeRule.ts, docs/formats.md
 * "The activity rule"): an active department never sits under an inactive
 * one after an import, the rows that would break it fail with
 * PARENT_INACTIVE whatever their order, and re-importing the file changes
 * nothing more.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImportPlan, StoredDepartment } from '../../src/core/model.js';
import { applyInMemory, plan } from '../support/planHarness.js';

type Rows = Record<string, unknown>[];

function storeOf(rows: Rows): Map<string, StoredDepartment> {
  let n = 0;
  const p = plan(rows, { newId: () => `dept_s${++n}` });
  expect(p.errors).toEqual([]);
  const store = new Map<string, StoredDepartment>();
  applyInMemory(store, p);
  return store;
}

/** code -> `parentCode active|inactive`. */
function state(store: Map<string, StoredDepartment>): Record<string, string> {
  return Object.fromEntries(
    [...store.values()].map((d) => [d.code, `${d.parentId === null ? '-' : store.get(d.parentId)!.code} ${d.isActive ? 'active' : 'inactive'}`]),
  );
}

const errorsOf = (p: ImportPlan) => p.errors.map((e) => `${e.key} ${e.code} ${e.field}`).sort();

function run(store: Map<string, StoredDepartment>, rows: Rows, mode: 'upsert' | 'sync' = 'upsert'): { p: ImportPlan; after: Map<string, StoredDepartment> } {
  const p = plan(rows, { stored: [...store.values()], options: { mode } });
  const after = new Map(store);
  applyInMemory(after, p);
  return { p, after };
}

describe('the activity rule in the planner', () => {
  it('refuses an active row under a parent that the same file deactivates, then the parent whose child stays active', () => {
    const store = storeOf([
      { name: 'Eng', code: 'ENG' },
      { name: 'Backend', code: 'BE', parentCode: 'ENG' },
    ]);
    const { p, after } = run(store, [
      { name: 'Eng', code: 'ENG', status: 'inactive' },
      { name: 'Backend', code: 'BE', parentCode: 'ENG', status: 'active' },
    ]);
    // BE fails first; it stays stored, active, under ENG: so ENG's deactivation fails too.
    expect(errorsOf(p)).toEqual(['BE PARENT_INACTIVE parent', 'ENG PARENT_INACTIVE isActive']);
    expect(state(after)).toEqual({ ENG: '- active', BE: 'ENG active' });
  });

  it('a sync keeps the ancestors of a department whose row failed, as it keeps those of every listed department', () => {
    // Q active with F inactive under it; P inactive. The sync lists only F, active, moved under P:
    // F fails (P is inactive and the file does not reactivate it) and stays under Q, which the sync must keep.
    const store = storeOf([
      { name: 'Q', code: 'Q' },
      { name: 'F', code: 'F', parentCode: 'Q', status: 'inactive' },
      { name: 'P', code: 'P', status: 'inactive' },
    ]);
    const { p, after } = run(store, [{ name: 'F', code: 'F', parentCode: 'P', status: 'active' }], 'sync');
    expect(errorsOf(p)).toEqual(['F PARENT_INACTIVE parent']);
    expect(p.deactivations).toEqual([]);
    expect(state(after)).toEqual({ Q: '- active', F: 'Q inactive', P: '- inactive' });
  });

  it('a sync keeps a parent it would deactivate while a child stays active', () => {
    const store = storeOf([
      { name: 'A', code: 'A' },
      { name: 'B', code: 'B', parentCode: 'A' },
      { name: 'C', code: 'C', parentCode: 'B' },
    ]);
    // C's row fails (its parent X is inactive): C stays active under B, so B and A stay active.
    const { p, after } = run(store, [{ name: 'X', code: 'X', status: 'inactive' }, { name: 'C', code: 'C', parentCode: 'X' }], 'sync');
    expect(errorsOf(p)).toEqual(['C PARENT_INACTIVE parent']);
    expect(state(after)).toEqual({ A: '- active', B: 'A active', C: 'B active', X: '- inactive' });
  });

  it('decides the same in any row order, holds the rule, and a re-import of the file changes nothing', () => {
    const CODES = ['A', 'B', 'C', 'D', 'E'];
    const dept = fc.record({ parent: fc.nat(5), active: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(dept, { minLength: 5, maxLength: 5 }),
        fc.array(fc.record({ listed: fc.boolean(), parent: fc.nat(5), status: fc.constantFrom('active', 'inactive', undefined) }), { minLength: 5, maxLength: 5 }),
        fc.constantFrom<'upsert' | 'sync'>('upsert', 'sync'),
        fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
        (stored, file, mode, order) => {
          // A stored tree that holds the rule: parents come earlier, a child under an inactive parent is inactive.
          const base: Rows = [];
          const activeOf = new Map<string, boolean>();
          stored.forEach((d, i) => {
            const parent = d.parent < i ? CODES[d.parent]! : null;
            const active = d.active && (parent === null || activeOf.get(parent)!);
            activeOf.set(CODES[i]!, active);
            base.push({ name: CODES[i], code: CODES[i], parentCode: parent, status: active ? 'active' : 'inactive' });
          });
          const store = storeOf(base);
          const rows: Rows = [];
          file.forEach((r, i) => {
            if (!r.listed) return;
            const row: Record<string, unknown> = { name: CODES[i], code: CODES[i], parentCode: r.parent < i ? CODES[r.parent]! : null };
            if (r.status !== undefined) row.status = r.status;
            rows.push(row);
          });
          const shuffled = rows.map((r, i) => ({ r, k: order[i]! })).sort((a, b) => a.k - b.k).map((x) => x.r);
          const first = run(store, rows, mode);
          const other = run(store, shuffled, mode);
          expect(errorsOf(other.p)).toEqual(errorsOf(first.p));
          expect(state(other.after)).toEqual(state(first.after));
          const broken = [...first.after.values()].filter((d) => d.isActive && d.parentId !== null && !first.after.get(d.parentId)!.isActive);
          expect(broken).toEqual([]);
          const again = run(first.after, rows, mode);
          expect(errorsOf(again.p)).toEqual(errorsOf(first.p));
          expect(again.p.creates).toEqual([]);
          expect(again.p.updates).toEqual([]);
          expect(again.p.deactivations).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.PAR_RUNS ?? 500) },
    );
  });
});
