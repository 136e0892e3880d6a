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
import { addIssue, isLive, isTainted, type PlanContext, pushIssue, type RowState, rowKey } from './context.js';
import { effectiveMaxDepth } from './depthLimit.js';
import { buildEntities, type Children, childrenOf, detectCycles, label, TOP, type Tree, UNPLACEABLE } from './entities.js';
import { parentRow } from './match.js';
import { ChildPathPrefixes } from './storedPaths.js';
import { checkUnique } from './uniqueness.js';

export { TOP, type Tree, UNPLACEABLE } from './entities.js';

/** The tree after the import: its entities, and the placed ones in parents-first order. */
export interface FinalTree {
  tree: Tree;
  order: Int32Array;
}

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
function staysAsStored(ctx: PlanContext, tree: Tree, e: number, base: StoredDepartment): boolean {
  const s = tree.row[e] ?? null;
  if (ctx.stored.hasInconsistentPath(base) || base.organizationId !== ctx.org.id) return false;
  const parent = tree.parent[e]!;
  if (parent === UNPLACEABLE) return false;
  if (parent === TOP) {
    if (base.parentId !== null) return false;
  } else {
    const parentStored = tree.stored(parent);
    if (parentStored === null || tree.after[parent] !== parentStored || base.parentId !== parentStored.id) return false;
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
  return true;
}

/** A value the row gives (not undefined: absent) that is not the stored one. */
function differs(given: unknown, stored: unknown): boolean {
  return given !== undefined && given !== stored && !jsonEqual(given, stored);
}

// Built field by field (no object spreads): this runs once per department and
// dominates planning time for large files.
function computeAfter(ctx: PlanContext, tree: Tree, e: number, parentEntity: number, prefixes: ChildPathPrefixes): StoredDepartment {
  const parent = parentEntity >= 0 ? tree.after[parentEntity] : undefined;
  const base = tree.stored(e);
  if (base !== null && staysAsStored(ctx, tree, e, base)) return base;
  const s = tree.row[e] ?? null;
  const given = s?.row.fields;
  if (base === null && s === null) throw new Error(`planner invariant broken: new department ${e} has no row`);
  const id = base !== null ? base.id : (s!.finalId ??= ctx.newId());
  if (s !== null) s.finalId = id;
  const name = given?.name ?? base?.name;
  // A new row without a name failed NAME_REQUIRED before the tree is built.
  if (name === undefined) throw new Error(`planner invariant broken: ${label(tree, e)} has no name`);
  return {
    id,
    organizationId: ctx.org.id,
    name,
    description: fieldAfter('description', given, base),
    code: fieldAfter('code', given, base),
    openDepartmentId: fieldAfter('openDepartmentId', given, base),
    parentId: parent ? parent.id : null,
    path: parent ? prefixes.of(parentEntity, parent.path) + id : `/${id}`,
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

/** Walks parents-first; marks rows under failed rows as skipped and places the rest. Returns the order. */
function walkTree(ctx: PlanContext, tree: Tree): { order: Int32Array; changed: boolean } {
  const children = childrenOf(tree);
  let changed = false;
  // A parent that is no entity is a new row that failed: its subtree cannot be placed.
  // (After the children lists are complete, so the skip reaches the whole subtree.)
  for (let e = 0; e < tree.size; e++) if (tree.parent[e] === UNPLACEABLE) changed = skip(ctx, tree, children, e) || changed;
  // Breadth-first from the top-level entities; each entity is queued once (a tree below them).
  const queue = new Int32Array(tree.size);
  let queued = 0;
  for (let e = 0; e < tree.size; e++) if (tree.parent[e] === TOP) queue[queued++] = e;
  const order = new Int32Array(tree.size);
  const prefixes = new ChildPathPrefixes(tree.size);
  let placed = 0;
  for (let at = 0; at < queued; at++) {
    const e = queue[at]!;
    const row = tree.row[e] ?? null;
    if (row !== null) {
      if (!isLive(row)) continue;
      const p = parentRow(ctx, row);
      if (p !== undefined && isTainted(p)) {
        changed = skip(ctx, tree, children, e) || changed;
        continue;
      }
    }
    tree.after[e] = computeAfter(ctx, tree, e, tree.parent[e]!, prefixes);
    order[placed++] = e;
    for (let c = children.start[e]!; c < children.start[e + 1]!; c++) queue[queued++] = children.list[c]!;
  }
  return { order: order.subarray(0, placed), changed };
}

/**
 * Marks `top`'s live row and every live row below it skipped (PARENT_FAILED).
 * With an explicit stack, not recursion: a failed row can head a chain of any
 * depth (a 5,000-deep chain overflowed the call stack).
 */
function skip(ctx: PlanContext, tree: Tree, children: Children, top: number): boolean {
  const topRow = tree.row[top] ?? null;
  if (topRow === null || !isLive(topRow)) return false;
  const stack: number[] = [top];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    const row = tree.row[e] ?? null;
    if (row === null || !isLive(row)) continue;
    const p = parentRow(ctx, row);
    const why = p ? `row ${p.row.row} (${rowKey(p)}) failed` : 'its parent failed';
    row.skipped = true;
    pushIssue(row, { row: row.row.row, code: 'PARENT_FAILED', field: 'parent', message: `skipped because ${why}`, key: rowKey(row) });
    for (let c = children.start[e]!; c < children.start[e + 1]!; c++) stack.push(children.list[c]!);
  }
  return true;
}

function checkDepth(ctx: PlanContext, tree: Tree, order: Int32Array): boolean {
  const max = effectiveMaxDepth(ctx.options.maxDepth);
  let changed = false;
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const after = tree.placed(e);
    const level = after.depth + 1;
    if (level <= max) continue;
    const stored = tree.stored(e);
    if (stored && after.depth === stored.depth) continue; // already that deep: not this import's doing
    // Blame the row itself, or the nearest row above that moved this subtree down.
    let cur = e;
    while (cur >= 0 && !isLiveRow(tree.row[cur])) cur = tree.parent[cur]!;
    const row = cur >= 0 ? tree.row[cur] : null;
    if (!row) continue;
    const what = cur === e ? 'the department' : `its subtree (down to "${label(tree, e)}")`;
    addIssue(row, 'DEPTH_EXCEEDED', 'parent', `${what} would be at level ${level}; at most ${max} levels are allowed (--max-depth)`);
    changed = true;
  }
  return changed;
}

function isLiveRow(row: RowState | null | undefined): boolean {
  return row !== null && row !== undefined && isLive(row);
}

/** Runs the checks to a fixed point; returns the final entities in parents-first order. */
export function finaliseTree(ctx: PlanContext): FinalTree {
  for (;;) {
    const tree = buildEntities(ctx);
    if (detectCycles(tree)) continue;
    const { order, changed } = walkTree(ctx, tree);
    if (changed) continue;
    if (checkDepth(ctx, tree, order)) continue;
    if (checkUnique(ctx, tree, order)) continue;
    return { tree, order };
  }
}
