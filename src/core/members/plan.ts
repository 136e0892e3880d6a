/**
 * Direct members (`--member-column`): which memberships to add and remove so
 * that each department the import touches has exactly (sync) or at least
 * (upsert) the members the export gives it, and the member_count every
 * changed department ends with. Pure: the adapter writes the result.
 */
import type { DepartmentMemberIds, ImportMode, ImportPlan, Membership, MembersPlan, StoredDepartment } from '../model.js';

export type { DepartmentMemberIds, MembersPlan, Membership } from '../model.js';

export interface MembersInput {
  mode: ImportMode;
  plan: ImportPlan;
  /** Number of rows the planner was given: plan.rowResults[i] for i below it is planner row i. */
  plannedRows: number;
  /** Member ids per planner row index (an id may repeat). */
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
    const stored = input.stored.get(departmentId) ?? NONE;
    // One department's set at a time, dropped after it: only the plan's lists outlive the loop.
    const wanted: ReadonlySet<string> = members instanceof Set ? members : new Set(members);
    const adds = newMembers(members, wanted, stored);
    if (adds.length > 0) plan.adds.push({ departmentId, memberIds: adds });
    let count = stored.size + adds.length;
    if (input.mode === 'sync') {
      const removes: string[] = [];
      for (const memberId of stored) if (!wanted.has(memberId)) removes.push(memberId);
      if (removes.length > 0) plan.removes.push({ departmentId, memberIds: removes });
      count = wanted.size;
    }
    if (count !== (countBefore.get(departmentId) ?? 0)) plan.counts.push({ departmentId, memberCount: count });
  }
  return plan;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The wanted ids not stored yet, each once, in the order given. A
 * department with nothing stored and no repeated id (a new department of a
 * fresh HRIS import) gives the shape stage's own list: no copy.
 */
function newMembers(given: Iterable<string>, wanted: ReadonlySet<string>, stored: ReadonlySet<string>): readonly string[] {
  if (stored.size === 0 && Array.isArray(given) && given.length === wanted.size) return given as readonly string[];
  const out: string[] = [];
  for (const memberId of wanted) if (!stored.has(memberId)) out.push(memberId);
  return out;
}

/**
 * A held plan as stored (JSON): one written before memberships were listed
 * per department has a { departmentId, memberId } per pair; approving it
 * after an upgrade applies the same memberships.
 */
export function heldMembersPlan(members: MembersPlan): MembersPlan {
  const lists = (entries: readonly (DepartmentMemberIds | Membership)[]): DepartmentMemberIds[] =>
    entries.map((e) => ('memberIds' in e ? e : { departmentId: e.departmentId, memberIds: [e.memberId] }));
  return { ...members, adds: lists(members.adds), removes: lists(members.removes) };
}
