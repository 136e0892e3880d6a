/**
 * Builds the department tree as it will be after the import and validates it:
 * cycles, skipped descendants of failed rows, depth, and uniqueness of code,
 * openDepartmentId and name. A failed row falls back to its stored state, which
 * can create new conflicts, so the checks repeat until nothing changes.
 *
 * No walk here recurses: a chain can be as long as the file (the recursive
 * skip overflowed the stack on a 5,000-deep chain under a failed row).
 */
import type { DepartmentFields, StoredDepartment } from '../model.js';
import { jsonEqual } from '../normalise/values.js';
import { addIssue, isLive, isTainted, type PlanContext, pushIssue, rowKey } from './context.js';
import { effectiveMaxDepth } from './depthLimit.js';
import { buildEntities, detectCycles, type Entity, label, type Placed, place } from './entities.js';
import { parentRow } from './match.js';
import { checkUnique } from './uniqueness.js';

export type { Entity, Placed } from './entities.js';

type DefaultedField = Exclude<keyof DepartmentFields, 'name'>;

const NEW_DEFAULTS: Pick<DepartmentFields, DefaultedField> = {
  description: null,
  code: null,
  openDepartmentId: null,
  location: null,
  i18n: null,
  customData: null,
  leaderUserIds: null,
  postIds: null,
  isVirtual: false,
  isActive: true,
  color: null,
  tenantId: null,
};

/** A field's value after the import: the row's if it gives one, else the stored (or default) one. */
function fieldAfter<K extends DefaultedField>(
  key: K,
  given: Partial<DepartmentFields> | undefined,
  base: StoredDepartment | null,
): DepartmentFields[K] {
  const v = given?.[key];
  if (v !== undefined) return v as DepartmentFields[K];
  const defaults: Pick<DepartmentFields, K> = NEW_DEFAULTS;
  return base ? base[key] : defaults[key];
}

/**
 * Whether the stored department stays exactly as it is: its row (if any)
 * gives nothing different, and its parent is its stored parent, itself
 * staying as stored (so its path too). Then the stored object itself is the
 * state after the import: an unchanged re-import makes no object and no path
 * per department (at 1,000,000 departments ~250 MB of garbage while
 * planning), and paths are never compared (see storedPaths.ts).
 */
function staysAsStored(ctx: PlanContext, e: Entity): boolean {
  const { stored: base, row: s } = e;
  if (base === null || ctx.stored.hasInconsistentPath(base) || base.organizationId !== ctx.org.id) return false;
  const parent = e.parent;
  if (parent === undefined) return false;
  if (parent === null ? base.parentId !== null : parent.stored === null || parent.after !== parent.stored || base.parentId !== parent.stored.id) {
    return false;
  }
  if (s === null) return true;
  const given = s.row.fields;
  if (given.name !== undefined && given.name !== base.name) return false;
  if ((given.isActive ?? true) !== base.isActive) return false;
  // Field by field, by name (a loop over the field names was a keyed lookup of
  // mostly absent properties, 11 per department): every field of NEW_DEFAULTS but
  // isActive (test/unit/perf-plan-stored.test.ts changes each one).
  if (
    differs(given.description, base.description) ||
    differs(given.code, base.code) ||
    differs(given.openDepartmentId, base.openDepartmentId) ||
    differs(given.location, base.location) ||
    differs(given.i18n, base.i18n) ||
    differs(given.customData, base.customData) ||
    differs(given.leaderUserIds, base.leaderUserIds) ||
    differs(given.postIds, base.postIds) ||
    differs(given.isVirtual, base.isVirtual) ||
    differs(given.color, base.color) ||
    differs(given.tenantId, base.tenantId)
  ) {
    return false;
  }
  s.finalId = base.id;
  shareRowText(base, given);
  return true;
}

/**
 * A department that stays as stored holds the same name and description
 * twice: the database's strings and the row's (kept for replanning). The
 * stored object takes the row's (the same text: compared above), so the
 * database's copies are garbage from here on: ~80 bytes a department (the
 * bench's rows) that later stages and a replan's collections need not keep.
 * (Codes stay: the lookup's index holds the stored code string anyway.)
 */
function shareRowText(base: StoredDepartment, given: Partial<DepartmentFields>): void {
  if (given.name !== undefined) base.name = given.name;
  if (typeof given.description === 'string') base.description = given.description;
}

/** A value the row gives (not undefined: absent) that is not the stored one. */
function differs(given: unknown, stored: unknown): boolean {
  return given !== undefined && given !== stored && !jsonEqual(given, stored);
}

// Built field by field (no object spreads): this runs once per department and
// dominates planning time for large files.
function computeAfter(ctx: PlanContext, e: Entity, parent: StoredDepartment | undefined): StoredDepartment {
  const { stored: base, row: s } = e;
  if (base !== null && staysAsStored(ctx, e)) return base;
  const given = s?.row.fields;
  const id = base !== null ? base.id : (s.finalId ??= ctx.newId());
  if (s !== null) s.finalId = id;
  const name = given?.name ?? base?.name;
  // A new row without a name failed NAME_REQUIRED before the tree is built.
  if (name === undefined) throw new Error(`planner invariant broken: ${label(e)} has no name`);
  return {
    id,
    organizationId: ctx.org.id,
    name,
    description: fieldAfter('description', given, base),
    code: fieldAfter('code', given, base),
    openDepartmentId: fieldAfter('openDepartmentId', given, base),
    parentId: parent ? parent.id : null,
    path: parent ? `${parent.path}/${id}` : `/${id}`,
    depth: parent ? parent.depth + 1 : 0,
    location: fieldAfter('location', given, base),
    i18n: fieldAfter('i18n', given, base),
    customData: fieldAfter('customData', given, base),
    leaderUserIds: fieldAfter('leaderUserIds', given, base),
    postIds: fieldAfter('postIds', given, base),
    isVirtual: fieldAfter('isVirtual', given, base),
    // A department listed in the file is active unless the row says otherwise.
    isActive: base !== null && s === null ? base.isActive : (given?.isActive ?? true),
    color: fieldAfter('color', given, base),
    tenantId: fieldAfter('tenantId', given, base),
    memberCount: base?.memberCount ?? 0,
  };
}

/** Walks parents-first; marks rows under failed rows as skipped and fills `after`. Returns the order. */
function walkTree(ctx: PlanContext, entities: readonly Entity[]): { order: Placed[]; changed: boolean } {
  const queue: Entity[] = [];
  let changed = false;
  for (const e of entities) {
    if (e.parent === null) queue.push(e);
    else if (e.parent) (e.parent.children ??= []).push(e);
  }
  // A parent that is no entity is a new row that failed: its subtree cannot be placed.
  // (After the children lists are complete, so the skip reaches the whole subtree.)
  for (const e of entities) if (e.parent === undefined) changed = skip(ctx, e) || changed;
  const order: Placed[] = [];
  // Breadth-first: `queue` grows while it is read (an array iterator sees the new elements).
  for (const e of queue) {
    if (e.row) {
      if (!isLive(e.row)) continue;
      const p = parentRow(ctx, e.row);
      if (p !== undefined && isTainted(p)) {
        changed = skip(ctx, e) || changed;
        continue;
      }
    }
    order.push(place(e, computeAfter(ctx, e, e.parent?.after)));
    if (e.children) for (const c of e.children) queue.push(c);
  }
  return { order, changed };
}

/**
 * Marks `top`'s live row and every live row below it skipped (PARENT_FAILED).
 * With an explicit stack, not recursion: a failed row can head a chain of any
 * depth (a 5,000-deep chain overflowed the call stack).
 */
function skip(ctx: PlanContext, top: Entity): boolean {
  if (!top.row || !isLive(top.row)) return false;
  const stack: Entity[] = [top];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    if (!e.row || !isLive(e.row)) continue;
    const p = parentRow(ctx, e.row);
    const why = p ? `row ${p.row.row} (${rowKey(p)}) failed` : 'its parent failed';
    e.row.skipped = true;
    pushIssue(e.row, { row: e.row.row.row, code: 'PARENT_FAILED', field: 'parent', message: `skipped because ${why}`, key: rowKey(e.row) });
    if (e.children) for (const c of e.children) stack.push(c);
  }
  return true;
}

function checkDepth(ctx: PlanContext, order: readonly Placed[]): boolean {
  const max = effectiveMaxDepth(ctx.options.maxDepth);
  let changed = false;
  for (const e of order) {
    const level = e.after.depth + 1;
    if (level <= max) continue;
    if (e.stored && e.after.depth === e.stored.depth) continue; // already that deep: not this import's doing
    // Blame the row itself, or the nearest row above that moved this subtree down.
    let cur: Entity | null | undefined = e;
    while (cur && !(cur.row && isLive(cur.row))) cur = cur.parent;
    if (!cur?.row) continue;
    const what = cur === e ? 'the department' : `its subtree (down to "${label(e)}")`;
    addIssue(cur.row, 'DEPTH_EXCEEDED', 'parent', `${what} would be at level ${level}; at most ${max} levels are allowed (--max-depth)`);
    changed = true;
  }
  return changed;
}

/** Runs the checks to a fixed point; returns the final entities in parents-first order. */
export function finaliseTree(ctx: PlanContext): Placed[] {
  for (;;) {
    const entities = buildEntities(ctx);
    if (detectCycles(entities)) continue;
    const { order, changed } = walkTree(ctx, entities);
    if (changed) continue;
    if (checkDepth(ctx, order)) continue;
    if (checkUnique(ctx, order)) continue;
    return order;
  }
}
