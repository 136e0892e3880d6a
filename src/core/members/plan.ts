/**
 * Direct members (`--member-column`): which memberships to add and remove so
 * that each department the import touches has exactly (sync) or at least
 * (upsert) the members the export gives it, and the member_count every
 * changed department ends with. Pure: the adapter writes the result.
 */
import type { ImportMode, ImportPlan, MembersPlan, StoredDepartment } from '../model.js';

export type { MembersPlan, Membership } from '../model.js';

export interface MembersInput {
  mode: ImportMode;
  plan: ImportPlan;
  /** Number of rows the planner was given: plan.rowResults[i] for i below it is planner row i. */
  plannedRows: number;
  /** Member ids per planner row index. */
  membersByRow: ReadonlyMap<number, Iterable<string>>;
  /** Stored memberships of the organization: department id → member ids. */
  stored: ReadonlyMap<string, ReadonlySet<string>>;
  /** Stored departments (for their member_count). */
  storedDepartments: readonly StoredDepartment[];
}

const PLACED = new Set(['created', 'updated', 'moved', 'unchanged']);

/**
 * Upsert: members the export gives are added; nothing is removed.
 * Sync: the export is the whole truth for the departments it places and the
 * departments the sync deactivates: other memberships of those are removed.
 * Departments whose rows failed are never touched.
 */
export function planMembers(input: MembersInput): MembersPlan {
  const desired = new Map<string, Iterable<string>>();
  for (let i = 0; i < input.plannedRows; i++) {
    const result = input.plan.rowResults[i];
    if (!result || !PLACED.has(result.action) || result.departmentId === undefined) continue;
    desired.set(result.departmentId, input.membersByRow.get(i) ?? []);
  }
  if (input.mode === 'sync') {
    for (const d of input.plan.deactivations) if (!desired.has(d.after.id)) desired.set(d.after.id, []);
  }
  const countBefore = new Map(input.storedDepartments.map((d) => [d.id, d.memberCount]));
  const plan: MembersPlan = { adds: [], removes: [], counts: [] };
  for (const [departmentId, members] of desired) {
    const stored = input.stored.get(departmentId) ?? new Set<string>();
    const wanted: ReadonlySet<string> = members instanceof Set ? members : new Set(members);
    let added = 0;
    for (const memberId of wanted) {
      if (stored.has(memberId)) continue;
      plan.adds.push({ departmentId, memberId });
      added++;
    }
    let count = stored.size + added;
    if (input.mode === 'sync') {
      for (const memberId of stored) {
        if (!wanted.has(memberId)) plan.removes.push({ departmentId, memberId });
      }
      count = wanted.size;
    }
    if (count !== (countBefore.get(departmentId) ?? 0)) plan.counts.push({ departmentId, memberCount: count });
  }
  return plan;
}
