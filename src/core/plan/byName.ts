/**
 * Matching by name within the parent. It runs parents-first over the file's own
 * parent links, because whether "Backend" under "Engineering" already exists
 * depends on whether the "Engineering" row matched a stored department.
 */
import { type PlanContext, parentNameKey } from './context.js';
import { claimStored, parentRowIdx } from './match.js';

/** Rows (not merged) in an order where a row's parent row comes first; rows in cycles are left out. */
export function rowsParentFirst(ctx: PlanContext): number[] {
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const s of ctx.rows) {
    if (s.mergedInto !== undefined) continue;
    const p = s.parent?.kind === 'row' ? parentRowIdx(ctx, s) : undefined;
    if (p === undefined) roots.push(s.idx);
    else {
      const list = children.get(p);
      if (list) list.push(s.idx);
      else children.set(p, [s.idx]);
    }
  }
  const order: number[] = [];
  const queue = roots;
  for (let i = 0; i < queue.length; i++) {
    const idx = queue[i]!;
    order.push(idx);
    for (const c of children.get(idx) ?? []) queue.push(c);
  }
  return order;
}

export function matchByName(ctx: PlanContext): void {
  const { matchBy } = ctx.options;
  if (matchBy !== 'auto' && matchBy !== 'name') return;
  const orgScope = ctx.org.nameScope === 'organization';
  for (const idx of rowsParentFirst(ctx)) {
    const s = ctx.rows[idx]!;
    const { name, code, openDepartmentId } = s.row.fields;
    if (s.storedId !== undefined || name === undefined || s.parent === undefined) continue;
    // In auto mode a row with its own key was decided by that key (new if unmatched).
    if (matchBy === 'auto' && (code != null || openDepartmentId != null)) continue;
    let found;
    if (s.row.parent.kind === 'absent' && orgScope) {
      // No parent given: in organization scope the name alone identifies the department.
      found = ctx.storedByName.get(name);
    } else {
      let parentStoredId: string | null | undefined;
      if (s.parent.kind === 'root') parentStoredId = null;
      else if (s.parent.kind === 'stored') parentStoredId = s.parent.id;
      else parentStoredId = ctx.rows[s.parent.idx]!.storedId; // undefined: the parent is new, so is the child
      if (parentStoredId === undefined) continue;
      found = ctx.storedByParentName.get(parentNameKey(parentStoredId, name));
    }
    if (found && !ctx.rowByStoredId.has(found.id)) claimStored(ctx, s, found, 'name');
  }
}
