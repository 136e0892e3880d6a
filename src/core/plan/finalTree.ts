/**
 * Builds the department tree as it will be after the import and validates it:
 * cycles, skipped descendants of failed rows, depth, and uniqueness of code,
 * openDepartmentId and name. A failed row falls back to its stored state, which
 * can create new conflicts, so the checks repeat until nothing changes.
 */
import type { DepartmentFields, StoredDepartment } from '../model.js';
import { addIssue, hasFailed, isLive, parentNameKey, type PlanContext, pushIssue, type RowState, rowKey, storedLabel } from './context.js';
import { parentRowIdx } from './match.js';

/**
 * A department in the tree after the import: a stored one, a live row, or both.
 * Parents are object references (not string keys): this runs on every
 * department of every import and string building and hashing dominated it.
 */
export interface Entity {
  stored?: StoredDepartment;
  /** The live row that shapes this department, if any. */
  row?: RowState;
  /** null: top level; undefined: the parent is a new row that failed, so this cannot be placed. */
  parent: Entity | null | undefined;
  /** Made for departments that have children (most have none). */
  children: Entity[] | undefined;
  /** Cycle detection: 1 on the current walk, 2 done. */
  mark: 0 | 1 | 2;
  after?: StoredDepartment;
}

const NEW_DEFAULTS: Omit<DepartmentFields, 'name'> = {
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

function newEntity(stored: StoredDepartment | undefined, row: RowState | undefined): Entity {
  return { stored, row, parent: null, children: undefined, mark: 0, after: undefined };
}

function buildEntities(ctx: PlanContext): Entity[] {
  const byStoredId = new Map<string, Entity>();
  const all: Entity[] = [];
  for (const d of ctx.stored.values()) {
    const e = newEntity(d, undefined);
    byStoredId.set(d.id, e);
    all.push(e);
  }
  const byRow: (Entity | undefined)[] = new Array<Entity | undefined>(ctx.rows.length);
  for (const s of ctx.rows) {
    if (!isLive(s) || s.parent === undefined) continue;
    let e = s.storedId === undefined ? undefined : byStoredId.get(s.storedId);
    if (e) e.row = s;
    else {
      e = newEntity(undefined, s);
      all.push(e);
    }
    byRow[s.idx] = e;
  }
  for (const e of all) {
    if (e.row) {
      const p = e.row.parent!;
      if (p.kind === 'root') e.parent = null;
      else if (p.kind === 'stored') e.parent = byStoredId.get(p.id);
      else {
        const target = ctx.rows[ctx.rows[p.idx]!.mergedInto ?? p.idx]!;
        e.parent = target.storedId !== undefined ? byStoredId.get(target.storedId) : byRow[target.idx];
      }
    } else {
      const pid = e.stored!.parentId;
      e.parent = pid === null ? null : byStoredId.get(pid);
    }
  }
  return all;
}

function label(e: Entity): string {
  if (e.row) return rowKey(e.row);
  return e.stored ? storedLabel(e.stored) : '?';
}

/** Marks live rows on cycles; returns whether any was found. */
function detectCycles(entities: readonly Entity[]): boolean {
  let found = false;
  const walk: Entity[] = [];
  for (const start of entities) {
    walk.length = 0;
    let e: Entity | null | undefined = start;
    while (e && e.mark === 0) {
      e.mark = 1;
      walk.push(e);
      e = e.parent;
    }
    if (e && e.mark === 1) {
      const cycle = walk.slice(walk.indexOf(e));
      // Name the cycle the way the child-to-parent links run, e.g. `A -> B -> C -> A`.
      const names = cycle.map(label);
      const shown = names.length > 50 ? [...names.slice(0, 50), `... (${names.length} departments in all)`] : names;
      const message = `the parent references form a cycle: ${[...shown, names[0]].join(' -> ')}`;
      for (const c of cycle) {
        if (c.row) {
          addIssue(c.row, 'CYCLE_DETECTED', 'parent', message);
          found = true;
        }
      }
    }
    for (const w of walk) w.mark = 2;
  }
  return found;
}

/** A field's value after the import: the row's if it gives one, else the stored (or default) one. */
function fieldAfter<K extends keyof DepartmentFields>(
  key: K,
  given: Partial<DepartmentFields> | undefined,
  base: StoredDepartment | undefined,
): DepartmentFields[K] {
  const v = given?.[key];
  if (v !== undefined) return v as DepartmentFields[K];
  return base ? base[key] : (NEW_DEFAULTS as DepartmentFields)[key];
}

// Built field by field (no object spreads): this runs once per department and
// dominates planning time for large files.
function computeAfter(ctx: PlanContext, e: Entity, parent: StoredDepartment | undefined): StoredDepartment {
  const base = e.stored;
  const s = e.row;
  const given = s?.row.fields;
  const id = base?.id ?? (s!.finalId ??= ctx.newId());
  if (s) s.finalId = id;
  return {
    id,
    organizationId: ctx.org.id,
    name: given?.name ?? base!.name,
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
    isActive: s ? (given!.isActive ?? true) : base!.isActive,
    color: fieldAfter('color', given, base),
    tenantId: fieldAfter('tenantId', given, base),
    memberCount: base?.memberCount ?? 0,
  };
}

export function pickFields(d: StoredDepartment): DepartmentFields {
  return {
    name: d.name,
    description: d.description,
    code: d.code,
    openDepartmentId: d.openDepartmentId,
    location: d.location,
    i18n: d.i18n,
    customData: d.customData,
    leaderUserIds: d.leaderUserIds,
    postIds: d.postIds,
    isVirtual: d.isVirtual,
    isActive: d.isActive,
    color: d.color,
    tenantId: d.tenantId,
  };
}

/** Walks parents-first; marks rows under failed rows as skipped and fills `after`. Returns the order. */
function walkTree(ctx: PlanContext, entities: readonly Entity[]): { order: Entity[]; changed: boolean } {
  const queue: Entity[] = [];
  let changed = false;
  for (const e of entities) {
    if (e.parent === null) queue.push(e);
    else if (e.parent) (e.parent.children ??= []).push(e);
  }
  // A parent that is no entity is a new row that failed: its subtree cannot be placed.
  // (After the children lists are complete, so the skip reaches the whole subtree.)
  for (const e of entities) if (e.parent === undefined) changed = skip(ctx, e) || changed;
  const order: Entity[] = [];
  for (let i = 0; i < queue.length; i++) {
    const e = queue[i]!;
    if (e.row && !isLive(e.row)) continue;
    if (e.row) {
      const p = parentRowIdx(ctx, e.row);
      if (p !== undefined && (hasFailed(ctx.rows[p]!) || ctx.rows[p]!.skipped)) {
        changed = skip(ctx, e) || changed;
        continue;
      }
    }
    e.after = computeAfter(ctx, e, e.parent?.after);
    order.push(e);
    if (e.children) for (const c of e.children) queue.push(c);
  }
  return { order, changed };
}

function skip(ctx: PlanContext, e: Entity): boolean {
  if (!e.row || !isLive(e.row)) return false;
  const p = parentRowIdx(ctx, e.row);
  const parentRow = p === undefined ? undefined : ctx.rows[p];
  const why = parentRow ? `row ${parentRow.row.row} (${rowKey(parentRow)}) failed` : 'its parent failed';
  e.row.skipped = true;
  pushIssue(e.row, { row: e.row.row.row, code: 'PARENT_FAILED', field: 'parent', message: `skipped because ${why}`, key: rowKey(e.row) });
  if (e.children) for (const c of e.children) skip(ctx, c);
  return true;
}

function checkDepth(ctx: PlanContext, order: Entity[]): boolean {
  const max = ctx.options.maxDepth;
  if (max === undefined) return false;
  let changed = false;
  for (const e of order) {
    if (e.after!.depth + 1 <= max) continue;
    if (e.stored && e.after!.depth === e.stored.depth) continue; // already that deep: not this import's doing
    // Blame the row itself, or the nearest row above that moved this subtree down.
    let cur: Entity | null | undefined = e;
    while (cur && !(cur.row && isLive(cur.row))) cur = cur.parent;
    if (!cur?.row) continue;
    const what = cur === e ? 'the department' : `its subtree (down to "${label(e)}")`;
    addIssue(cur.row, 'DEPTH_EXCEEDED', 'parent', `${what} would be at level ${e.after!.depth + 1}; --max-depth allows ${max}`);
    changed = true;
  }
  return changed;
}

type UniqueKind = 'code' | 'openDepartmentId' | 'name';

/**
 * Uniqueness of code, openDepartmentId and name (per name scope). Stored keys were
 * unique already (the database enforces it), so only keys a row introduces or
 * changes are checked: against each other (file order wins) and against the
 * stored department holding that key, unless that one gives the key up. An
 * unchanged re-import checks nothing.
 */
function checkUnique(ctx: PlanContext, order: Entity[]): boolean {
  const orgScope = ctx.org.nameScope === 'organization';
  const nameKey = (d: StoredDepartment): string => (orgScope ? d.name : parentNameKey(d.parentId, d.name));
  const finalById = new Map<string, StoredDepartment>();
  const changedRows: Entity[] = [];
  for (const e of order) {
    if (!e.row) continue;
    const a = e.after!;
    const b = e.stored;
    if (!b || b.code !== a.code || b.openDepartmentId !== a.openDepartmentId || nameKey(b) !== nameKey(a)) changedRows.push(e);
    if (b) finalById.set(b.id, a);
  }
  if (changedRows.length === 0) return false;
  changedRows.sort((x, y) => x.row!.idx - y.row!.idx);

  const storedHolder: Record<UniqueKind, (v: string) => StoredDepartment | undefined> = {
    code: (v) => ctx.storedByCode.get(v),
    openDepartmentId: (v) => ctx.storedByOpenId.get(v),
    name: (v) => (orgScope ? ctx.storedByName.get(v) : ctx.storedByParentName.get(v)),
  };
  const claimed: Record<UniqueKind, Map<string, Entity>> = { code: new Map(), openDepartmentId: new Map(), name: new Map() };
  /** Claims `value` of `kind` for `e`'s row, or reports who holds it. (Per key, not per row: no lists made per row.) */
  const claim = (e: Entity, kind: UniqueKind, value: string | null, before: string | null | undefined): boolean => {
    if (value === null || value === before) return false;
    const a = e.after!;
    const b = e.stored;
    let by: string | undefined;
    const rowHolder = claimed[kind].get(value);
    if (rowHolder) by = `row ${rowHolder.row!.row.row}`;
    else {
      const s = storedHolder[kind](value);
      const sFinal = s && s.id !== b?.id ? (finalById.get(s.id) ?? s) : undefined;
      // The stored holder keeps the key unless a row of this file changes it.
      const keeps = sFinal !== undefined && (kind === 'name' ? nameKey(sFinal) : sFinal[kind]) === value;
      if (keeps) by = `the stored department "${storedLabel(s!)}"`;
    }
    if (by === undefined) {
      claimed[kind].set(value, e);
      return false;
    }
    if (kind === 'code') addIssue(e.row!, 'DUPLICATE_CODE', 'code', `code "${value}" is already used by ${by}`);
    else if (kind === 'openDepartmentId') {
      addIssue(e.row!, 'DUPLICATE_OPEN_DEPARTMENT_ID', 'openDepartmentId', `openDepartmentId "${value}" is already used by ${by}`);
    } else {
      const where = orgScope ? 'in the organization' : 'under the same parent';
      addIssue(e.row!, 'DEPARTMENT_NAME_CONFLICT', 'name', `a department named "${a.name}" already exists ${where} (${by})`);
    }
    return true;
  };
  let changed = false;
  for (const e of changedRows) {
    const a = e.after!;
    const b = e.stored;
    // In this order: code, openDepartmentId, name (a row's issues are listed in it).
    if (claim(e, 'code', a.code, b?.code)) changed = true;
    if (claim(e, 'openDepartmentId', a.openDepartmentId, b?.openDepartmentId)) changed = true;
    if (claim(e, 'name', nameKey(a), b && nameKey(b))) changed = true;
  }
  return changed;
}

/** Runs the checks to a fixed point; returns the final entities in parents-first order. */
export function finaliseTree(ctx: PlanContext): Entity[] {
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
