/**
 * Planning a revert, pure. The departments a run touched are put back as
 * they were by handing the importer's planner one row per department, keyed
 * by id, with the values the run's history says they had before (a created
 * department: isActive false, never a delete). So a revert follows exactly the
 * importer's rules: uniqueness (with swaps), depth limits, cycles, and the
 * rewriting of path and depth for every descendant of a department moved back.
 * Path and depth are not restored from history: they follow from parentId.
 *
 * Memberships are not rows of a department file: their plan is made here,
 * from the run's member changes and what is stored now.
 */
import type { DepartmentFields, DepartmentRow, JsonValue, Membership, MembersPlan } from '../model.js';
import type { NormalisedRow } from '../normalise/normaliseRow.js';
import { NO_ISSUES } from '../errors.js';
import type { DepartmentChange } from './changes.js';

/** Derived from parentId by the planner; never restored as values. */
const DERIVED = new Set(['path', 'depth']);

/** What each department looked like before the run: for each field, the `before` of the first change that names it. */
export function stateBeforeRun(changes: readonly DepartmentChange[]): Map<string, { created: boolean; fields: Record<string, JsonValue> }> {
  const out = new Map<string, { created: boolean; fields: Record<string, JsonValue> }>();
  for (const c of changes) {
    if (c.action === 'member_added' || c.action === 'member_removed') continue;
    let state = out.get(c.departmentId);
    if (!state) out.set(c.departmentId, (state = { created: false, fields: {} }));
    if (c.action === 'created') state.created = true;
    for (const [field, value] of Object.entries(c.before ?? {})) {
      if (!DERIVED.has(field) && !(field in state.fields)) state.fields[field] = value;
    }
  }
  return out;
}

/** The planner's rows that put the departments back (upsert, matched by id). */
export function revertRows(changes: readonly DepartmentChange[]): NormalisedRow[] {
  const rows: NormalisedRow[] = [];
  for (const [id, state] of stateBeforeRun(changes)) {
    const { parentId, ...rest } = state.fields;
    // A department the run created did not exist before: it is deactivated (its other values stay, for the record).
    const fields = (state.created ? { isActive: false } : rest) as Partial<DepartmentFields>;
    let parent: DepartmentRow['parent'] = { kind: 'absent' };
    if (!state.created && 'parentId' in state.fields) {
      parent = parentId === null ? { kind: 'root' } : { kind: 'ref', value: String(parentId), type: 'id', field: 'parentId' };
    }
    const n = rows.length + 1;
    rows.push({ row: { row: n, raw: { id }, fields, id, parent }, issues: NO_ISSUES });
  }
  return rows;
}

/**
 * The membership changes that undo the run's: the first change of each
 * (department, member) pair says whether the membership existed before the
 * run; only differences from what is stored now are written.
 */
export function revertMembers(changes: readonly DepartmentChange[], stored: ReadonlyMap<string, ReadonlySet<string>>): MembersPlan | undefined {
  const existedBefore = new Map<string, { m: Membership; existed: boolean }>();
  for (const c of changes) {
    if (c.action !== 'member_added' && c.action !== 'member_removed') continue;
    const memberId = String((c.action === 'member_added' ? c.after : c.before)?.memberId ?? '');
    const key = JSON.stringify([c.departmentId, memberId]);
    if (!existedBefore.has(key)) existedBefore.set(key, { m: { departmentId: c.departmentId, memberId }, existed: c.action === 'member_removed' });
  }
  if (existedBefore.size === 0) return undefined;
  const adds = new Map<string, string[]>();
  const removes = new Map<string, string[]>();
  const delta = new Map<string, number>();
  for (const { m, existed } of existedBefore.values()) {
    const now = stored.get(m.departmentId)?.has(m.memberId) ?? false;
    if (existed === now) continue;
    const lists = existed ? adds : removes;
    const list = lists.get(m.departmentId);
    if (list) list.push(m.memberId);
    else lists.set(m.departmentId, [m.memberId]);
    delta.set(m.departmentId, (delta.get(m.departmentId) ?? 0) + (existed ? 1 : -1));
  }
  const counts = [...delta].map(([departmentId, d]) => ({ departmentId, memberCount: (stored.get(departmentId)?.size ?? 0) + d }));
  const perDepartment = (lists: Map<string, string[]>) => [...lists].map(([departmentId, memberIds]) => ({ departmentId, memberIds }));
  return { adds: perDepartment(adds), removes: perDepartment(removes), counts };
}
