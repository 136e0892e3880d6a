/**
 * Matching by name within the parent. It runs parents-first over the file's own
 * parent links, because whether "Backend" under "Engineering" already exists
 * depends on whether the "Engineering" row matched a stored department.
 */
import type { StoredDepartment } from '../model.js';
import { type PlanContext, parentNameKey, type RowState, storedOf } from './context.js';
import { claimStored, parentRow } from './match.js';

/** Rows (not merged) in an order where a row's parent row comes first; rows in cycles are left out. */
export function rowsParentFirst(ctx: PlanContext): RowState[] {
  const children = new Map<RowState, RowState[]>();
  const order: RowState[] = [];
  for (const s of ctx.rows) {
    if (s.mergedInto !== null) continue;
    const p = s.parent?.kind === 'row' ? parentRow(ctx, s) : undefined;
    if (p === undefined) order.push(s);
    else {
      const list = children.get(p);
      if (list) list.push(s);
      else children.set(p, [s]);
    }
  }
  // Breadth-first from the roots, in place: `order` is also the queue (an
  // array iterator sees the elements pushed while it runs).
  for (const s of order) {
    const below = children.get(s);
    if (below) for (const c of below) order.push(c);
  }
  return order;
}

/** The cheap part of the test below: whether `s` is a candidate for a match by name at all. */
function mayMatchByName(ctx: PlanContext, s: RowState): boolean {
  const { name, code, openDepartmentId } = s.row.fields;
  if (s.mergedInto !== null || s.storedPosition >= 0 || name === undefined || s.parent === null) return false;
  return !(ctx.options.matchBy === 'auto' && (code != null || openDepartmentId != null));
}

export function matchByName(ctx: PlanContext): void {
  const { matchBy } = ctx.options;
  if (matchBy !== 'auto' && matchBy !== 'name') return;
  // Most files give every row a code or an openDepartmentId: then, in auto
  // mode, no row matches by name, and the parents-first order (a list of
  // children per parent, for every row) is not built at all.
  if ((ctx.stored.complete && ctx.stored.size === 0) || !ctx.rows.some((s) => mayMatchByName(ctx, s))) return;
  const orgScope = ctx.org.nameScope === 'organization';
  for (const s of rowsParentFirst(ctx)) {
    const { name, code, openDepartmentId } = s.row.fields;
    if (s.storedPosition >= 0 || name === undefined || s.parent === null) continue;
    // In auto mode a row with its own key was decided by that key (new if unmatched).
    if (matchBy === 'auto' && (code != null || openDepartmentId != null)) continue;
    let found: StoredDepartment | undefined;
    if (s.row.parent.kind === 'absent' && orgScope) {
      // No parent given: in organization scope the name alone identifies the department.
      found = ctx.stored.byName(name);
    } else {
      let parentStoredId: string | null;
      if (s.parent.kind === 'root') parentStoredId = null;
      else if (s.parent.kind === 'stored') parentStoredId = s.parent.stored.id;
      else {
        const stored = storedOf(ctx, s.parent.state);
        if (stored === null) continue; // the parent is new, so is the child
        parentStoredId = stored.id;
      }
      found = ctx.stored.byParentNameKey(parentNameKey(parentStoredId, name));
    }
    const position = found ? ctx.stored.positionBy('id', found.id) : -1;
    if (position >= 0 && ctx.rowByStored[position] === undefined) claimStored(ctx, s, position, 'name');
  }
}
