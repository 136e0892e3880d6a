/**
 * The pure half of history and revert (src/core/history): what a plan
 * records, and the rows and membership plan that undo a run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changesOfPlan, type DepartmentChange } from '../../src/core/history/changes.js';
import { revertMembers, revertRows, stateBeforeRun } from '../../src/core/history/revertPlan.js';
import { department, plan, update } from '../support/dbFixtures.js';
import { memberships } from '../../src/core/model.js';

const ORG = { id: 'org_T', code: 't', name: 'T', nameScope: 'organization' as const };

describe('changesOfPlan', () => {
  it('records only the changed fields, and names moves, deactivations and reactivations', () => {
    const a = department(ORG, 'A', undefined, { id: 'dept_A' });
    const b = department(ORG, 'B', undefined, { id: 'dept_B' });
    const c = department(ORG, 'C', undefined, { id: 'dept_C', isActive: false });
    const changes = [
      ...changesOfPlan(
      plan({
        creates: [department(ORG, 'N', undefined, { id: 'dept_N' })],
        updates: [update(a, { name: 'A2' }), update(b, { parentId: 'dept_A', path: '/dept_A/dept_B', depth: 1 }), update(c, { isActive: true })],
      }),
      ),
    ];
    expect(changes.map((ch) => [ch.departmentId, ch.action])).toEqual([
      ['dept_N', 'created'],
      ['dept_A', 'updated'],
      ['dept_B', 'moved'],
      ['dept_C', 'reactivated'],
    ]);
    expect(changes[1]).toMatchObject({ before: { name: 'A' }, after: { name: 'A2' } });
    expect(Object.keys(changes[2]!.before!).sort()).toEqual(['depth', 'parentId', 'path']);
    expect(changes[0]!.before).toBeNull();
  });

  it('an empty plan records nothing', () => {
    expect([...changesOfPlan(plan({}))]).toEqual([]);
  });
});

describe('revert planning', () => {
  it('takes, per field, the value before the first change; a created department is only deactivated', () => {
    const changes: DepartmentChange[] = [
      { departmentId: 'dept_A', action: 'updated', before: { name: 'A0' }, after: { name: 'A1' } },
      { departmentId: 'dept_A', action: 'moved', before: { name: 'A1', parentId: null, path: '/dept_A', depth: 0 }, after: { name: 'A2', parentId: 'dept_P', path: '/dept_P/dept_A', depth: 1 } },
      { departmentId: 'dept_N', action: 'created', before: null, after: { name: 'N', isActive: true } },
    ];
    expect(stateBeforeRun(changes).get('dept_A')).toEqual({ created: false, fields: { name: 'A0', parentId: null } });
    const rows = revertRows(changes);
    expect(rows.map((r) => [r.row.id, r.row.fields, r.row.parent.kind])).toEqual([
      ['dept_A', { name: 'A0' }, 'root'],
      ['dept_N', { isActive: false }, 'absent'],
    ]);
  });

  it('membership changes undone against what is stored now, with counts that match (property)', () => {
    const pairs = fc.uniqueArray(fc.record({ d: fc.constantFrom('dept_A', 'dept_B'), m: fc.constantFrom('e1', 'e2', 'e3'), added: fc.boolean() }), { selector: (p) => `${p.d}:${p.m}` });
    fc.assert(
      fc.property(pairs, (ps) => {
        // Before the run: the removed pairs existed; after it: the added ones exist.
        const before = new Map<string, Set<string>>();
        const after = new Map<string, Set<string>>();
        for (const p of ps) {
          const into = p.added ? after : before;
          if (!into.has(p.d)) into.set(p.d, new Set());
          into.get(p.d)!.add(p.m);
        }
        const changes: DepartmentChange[] = ps.map((p) =>
          p.added
            ? { departmentId: p.d, action: 'member_added', before: null, after: { memberId: p.m } }
            : { departmentId: p.d, action: 'member_removed', before: { memberId: p.m }, after: null },
        );
        const undo = revertMembers(changes, after);
        const result = new Map([...after].map(([d, s]) => [d, new Set(s)]));
        for (const r of memberships(undo?.removes ?? [])) result.get(r.departmentId)!.delete(r.memberId);
        for (const a of memberships(undo?.adds ?? [])) {
          if (!result.has(a.departmentId)) result.set(a.departmentId, new Set());
          result.get(a.departmentId)!.add(a.memberId);
        }
        const norm = (m: Map<string, Set<string>>) => [...m].flatMap(([d, s]) => [...s].map((x) => `${d}:${x}`)).sort();
        expect(norm(result)).toEqual(norm(before));
        for (const c of undo?.counts ?? []) expect(c.memberCount).toBe(result.get(c.departmentId)?.size ?? 0);
      }),
    );
  });
});
