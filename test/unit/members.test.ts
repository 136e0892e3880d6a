/**
 * planMembers: which memberships an import adds and removes, and the
 * member_count (direct members) each touched department ends with.
 */
import { describe, expect, it } from 'vitest';
import type { StoredDepartment } from '../../src/core/model.js';
import { applyInMemory } from '../support/planHarness.js';
import { planText } from '../support/shapeHarness.js';

const EXPORT = `emp,path
E1,A > B
E2,A > B
E3,A > C
E4,A
`;

async function storedAfter(text: string) {
  const { plan } = await planText(text, { pathColumn: 'path', memberColumn: 'emp' });
  const store = new Map<string, StoredDepartment>();
  applyInMemory(store, plan);
  const members = new Map<string, Set<string>>();
  for (const m of plan.members!.adds) {
    const set = members.get(m.departmentId) ?? new Set<string>();
    set.add(m.memberId);
    members.set(m.departmentId, set);
  }
  for (const c of plan.members!.counts) store.set(c.departmentId, { ...store.get(c.departmentId)!, memberCount: c.memberCount });
  const byName = (name: string) => [...store.values()].find((d) => d.name === name)!.id;
  return { stored: [...store.values()], members, byName };
}

describe('planMembers', () => {
  it('adds every member to its department and counts direct members only', async () => {
    const { plan } = await planText(EXPORT, { pathColumn: 'path', memberColumn: 'emp' });
    const name = new Map(plan.creates.map((d) => [d.id, d.name]));
    expect(plan.members!.adds.map((m) => `${name.get(m.departmentId)}:${m.memberId}`)).toEqual(['A:E4', 'B:E1', 'B:E2', 'C:E3']);
    expect(plan.members!.counts.map((c) => `${name.get(c.departmentId)}=${c.memberCount}`).sort()).toEqual(['A=1', 'B=2', 'C=1']);
    expect(plan.members!.removes).toEqual([]);
  });

  it('changes nothing when the same export comes again', async () => {
    const { stored, members } = await storedAfter(EXPORT);
    for (const mode of ['upsert', 'sync'] as const) {
      const { plan } = await planText(EXPORT, { pathColumn: 'path', memberColumn: 'emp', mode }, { stored, storedMembers: members });
      expect(plan.members).toEqual({ adds: [], removes: [], counts: [] });
      expect(plan.counts).toMatchObject({ rows: 4, unchanged: 3, merged: 1 }); // departments A, B, C; row 3 repeats B
    }
  });

  it('upsert adds and never removes; sync removes the members the export no longer gives', async () => {
    const { stored, members, byName } = await storedAfter(EXPORT);
    const next = 'emp,path\nE1,A > B\nE5,A > C\nE4,A\n'; // E2 left B, E3 left C, E5 joined C
    const upsert = await planText(next, { pathColumn: 'path', memberColumn: 'emp' }, { stored, storedMembers: members });
    expect(upsert.plan.members!.adds).toEqual([{ departmentId: byName('C'), memberId: 'E5' }]);
    expect(upsert.plan.members!.removes).toEqual([]);
    expect(upsert.plan.members!.counts).toEqual([{ departmentId: byName('C'), memberCount: 2 }]);

    const sync = await planText(next, { pathColumn: 'path', memberColumn: 'emp', mode: 'sync' }, { stored, storedMembers: members });
    expect(sync.plan.members!.removes).toEqual([
      { departmentId: byName('B'), memberId: 'E2' },
      { departmentId: byName('C'), memberId: 'E3' },
    ]);
    expect(sync.plan.members!.counts).toEqual([{ departmentId: byName('B'), memberCount: 1 }]);
  });

  it('sync empties the departments it deactivates, and leaves failed departments alone', async () => {
    const { stored, members, byName } = await storedAfter(EXPORT);
    // C is gone (deactivated); B's rows disagree on its code, so B fails: its members stay.
    const next = 'emp,path,cc\nE1,A > B,1\nE2,A > B,2\nE4,A,\n';
    const { plan } = await planText(
      next,
      { pathColumn: 'path', memberColumn: 'emp', mode: 'sync', maxDeactivate: '100%', mapping: { columns: { cc: 'code' } } },
      { stored, storedMembers: members },
    );
    expect(plan.errors.map((e) => e.code)).toEqual(['CONFLICTING_VALUES', 'CONFLICTING_VALUES']);
    expect(plan.deactivations.map((u) => u.after.name)).toEqual(['C']);
    expect(plan.members!.removes).toEqual([{ departmentId: byName('C'), memberId: 'E3' }]);
    expect(plan.members!.counts).toEqual([{ departmentId: byName('C'), memberCount: 0 }]);
  });
});
