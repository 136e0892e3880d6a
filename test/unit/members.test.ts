/**
 * planMembers: which memberships an import adds and removes, and the
 * member_count (direct members) each touched department ends with.
 */
import { describe, expect, it } from 'vitest';
import { heldMembersPlan } from '../../src/core/members/plan.js';
import { memberships, type MembersPlan, type StoredDepartment } from '../../src/core/model.js';
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
  for (const m of [...memberships(plan.members!.adds)]) {
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
    expect([...memberships(plan.members!.adds)].map((m) => `${name.get(m.departmentId)}:${m.memberId}`)).toEqual(['A:E4', 'B:E1', 'B:E2', 'C:E3']);
    expect(plan.members!.counts.map((c) => `${name.get(c.departmentId)}=${c.memberCount}`).sort()).toEqual(['A=1', 'B=2', 'C=1']);
    expect([...memberships(plan.members!.removes)]).toEqual([]);
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
    expect([...memberships(upsert.plan.members!.adds)]).toEqual([{ departmentId: byName('C'), memberId: 'E5' }]);
    expect([...memberships(upsert.plan.members!.removes)]).toEqual([]);
    expect(upsert.plan.members!.counts).toEqual([{ departmentId: byName('C'), memberCount: 2 }]);

    const sync = await planText(next, { pathColumn: 'path', memberColumn: 'emp', mode: 'sync' }, { stored, storedMembers: members });
    expect([...memberships(sync.plan.members!.removes)]).toEqual([
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
    expect([...memberships(plan.members!.removes)]).toEqual([{ departmentId: byName('C'), memberId: 'E3' }]);
    expect(plan.members!.counts).toEqual([{ departmentId: byName('C'), memberCount: 0 }]);
  });

  it('lists each department\'s members once, as many as its distinct ids, however often a row repeats one', async () => {
    // E1 twice in B (a repeated row), and once in A: a membership per (department, member).
    const text = 'emp,path\nE1,A > B\nE2,A > B\nE1,A > B\nE1,A\nE3,A > B\nE2,A > B\n';
    const { plan } = await planText(text, { pathColumn: 'path', memberColumn: 'emp' });
    const name = new Map(plan.creates.map((d) => [d.id, d.name]));
    const lists = plan.members!.adds.map((l) => `${name.get(l.departmentId)}:${l.memberIds.join(',')}`);
    expect(lists).toEqual(['A:E1', 'B:E1,E2,E3']);
    expect(plan.counts.membersAdded).toBe(4);
    for (const l of plan.members!.adds) expect(new Set(l.memberIds).size).toBe(l.memberIds.length);
    const counts = new Map(plan.members!.counts.map((c) => [c.departmentId, c.memberCount]));
    for (const l of plan.members!.adds) expect(counts.get(l.departmentId)).toBe(l.memberIds.length);
  });

  it('reads a held plan stored with one { departmentId, memberId } per membership', () => {
    const old = { adds: [{ departmentId: 'd1', memberId: 'E1' }, { departmentId: 'd1', memberId: 'E2' }], removes: [{ departmentId: 'd2', memberId: 'E3' }], counts: [] };
    const plan = heldMembersPlan(old as unknown as MembersPlan);
    expect([...memberships(plan.adds)]).toEqual(old.adds);
    expect([...memberships(plan.removes)]).toEqual(old.removes);
    const current: MembersPlan = { adds: [{ departmentId: 'd1', memberIds: ['E1', 'E2'] }], removes: [], counts: [] };
    expect(heldMembersPlan(current)).toEqual(current);
  });
});
