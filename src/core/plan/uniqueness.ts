/**
 * Uniqueness of code, openDepartmentId and name (per name scope) in the tree
 * after the import.
 */
import type { StoredDepartment } from '../model.js';
import { addIssue, parentNameKey, type PlanContext, type RowState, storedLabel } from './context.js';
import type { Tree } from './entities.js';
import { KeyIndex } from './keyIndex.js';

type UniqueKind = 'code' | 'openDepartmentId' | 'name';

/**
 * Stored keys were unique already (the database enforces it), so only keys a
 * row introduces or changes are checked: against each other (file order wins)
 * and against the stored department holding that key, unless that one gives
 * the key up. An unchanged re-import checks nothing. Returns whether a row failed.
 */
export function checkUnique(ctx: PlanContext, tree: Tree, order: Int32Array): boolean {
  const orgScope = ctx.org.nameScope === 'organization';
  const nameKey = (d: StoredDepartment): string => (orgScope ? d.name : parentNameKey(d.parentId, d.name));
  // Entities, in a typed array (a number[] of every new department was ~16 MB per 1,000,000).
  const changing = new Int32Array(order.length);
  let count = 0;
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    if (tree.row[e] === null) continue;
    const a = tree.placed(e);
    const b = tree.stored(e);
    // a === b: the department stays as stored (finalTree's staysAsStored).
    if (a !== b && (!b || b.code !== a.code || b.openDepartmentId !== a.openDepartmentId || nameKey(b) !== nameKey(a))) changing[count++] = e;
  }
  if (count === 0) return false;
  const changedRows = changing.subarray(0, count);
  // Only when some key changes: a map of every row's department costs ~40 MB per 1,000,000.
  const finalById = new Map<string, StoredDepartment>();
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const stored = tree.stored(e);
    if (tree.row[e] !== null && stored) finalById.set(stored.id, tree.placed(e));
  }
  const rowOf = (e: number): RowState => tree.row[e]!;
  changedRows.sort((x, y) => rowOf(x).idx - rowOf(y).idx);

  const storedHolder: Record<UniqueKind, (v: string) => StoredDepartment | undefined> = {
    code: (v) => ctx.stored.byCode(v),
    openDepartmentId: (v) => ctx.stored.byOpenDepartmentId(v),
    name: (v) => (orgScope ? ctx.stored.byName(v) : ctx.stored.byParentNameKey(v)),
  };
  // Names only. A code or openDepartmentId a row introduces is one it gives
  // (finalTree's fieldAfter), and indexFileKeys (match.ts) has failed the later
  // of any two rows giving the same one, so no two placed rows claim the same:
  // a map of them found nothing, and was ~45 MB of garbage per 1,000,000 new
  // departments. Names are not keys of the file's index: rows claim them here.
  // By position in changedRows (keyIndex.ts), each key made again when a probe
  // compares it: a Map held a key string and an entry per new department.
  const claimedNames = new KeyIndex((k) => nameKey(tree.placed(changedRows[k]!)), count);
  /** Claims `value` of `kind` for changedRows[k]'s row, or reports who holds it. (Per key, not per row: no lists made per row.) */
  const claim = (k: number, kind: UniqueKind, value: string | null, before: string | null | undefined): boolean => {
    if (value === null || value === before) return false;
    const e = changedRows[k]!;
    const row = rowOf(e);
    let by: string | undefined;
    const rowHolder = kind === 'name' ? claimedNames.get(value) : -1;
    if (rowHolder >= 0) by = `row ${rowOf(changedRows[rowHolder]!).row.row}`;
    else {
      const s = storedHolder[kind](value);
      if (s !== undefined && s.id !== tree.stored(e)?.id) {
        const sFinal = finalById.get(s.id) ?? s;
        // The stored holder keeps the key unless a row of this file changes it.
        if ((kind === 'name' ? nameKey(sFinal) : sFinal[kind]) === value) by = `the stored department "${storedLabel(s)}"`;
      }
    }
    if (by === undefined) {
      if (kind === 'name') claimedNames.set(value, k);
      return false;
    }
    if (kind === 'code') addIssue(row, 'DUPLICATE_CODE', 'code', `code "${value}" is already used by ${by}`);
    else if (kind === 'openDepartmentId') {
      addIssue(row, 'DUPLICATE_OPEN_DEPARTMENT_ID', 'openDepartmentId', `openDepartmentId "${value}" is already used by ${by}`);
    } else {
      const where = orgScope ? 'in the organization' : 'under the same parent';
      addIssue(row, 'DEPARTMENT_NAME_CONFLICT', 'name', `a department named "${tree.placed(e).name}" already exists ${where} (${by})`);
    }
    return true;
  };
  let changed = false;
  for (let k = 0; k < changedRows.length; k++) {
    const e = changedRows[k]!;
    const a = tree.placed(e);
    const b = tree.stored(e);
    // In this order: code, openDepartmentId, name (a row's issues are listed in it).
    if (claim(k, 'code', a.code, b?.code)) changed = true;
    if (claim(k, 'openDepartmentId', a.openDepartmentId, b?.openDepartmentId)) changed = true;
    if (claim(k, 'name', nameKey(a), b && nameKey(b))) changed = true;
  }
  return changed;
}
