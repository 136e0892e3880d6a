/**
 * Builds the department tree as it will be after the import and validates it:
 * cycles, skipped descendants of failed rows, depth, and uniqueness of code,
 * openDepartmentId and name. A failed row falls back to its stored state, which
 * can create new conflicts, so the checks repeat until nothing changes.
 */
import type { DepartmentFields, StoredDepartment } from '../model.js';
import { addIssue, hasFailed, isLive, type PlanContext, type RowState, rowKey, storedLabel } from './context.js';
import { parentRowIdx } from './match.js';

export interface Entity {
  key: string;
  stored?: StoredDepartment;
  /** The live row that shapes this department, if any. */
  row?: RowState;
  parentKey: string | null;
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

function rowEntityKey(ctx: PlanContext, idx: number): string {
  const s = ctx.rows[ctx.rows[idx]!.mergedInto ?? idx]!;
  return s.storedId !== undefined ? `s:${s.storedId}` : `r:${s.idx}`;
}

function buildEntities(ctx: PlanContext): Map<string, Entity> {
  const entities = new Map<string, Entity>();
  for (const d of ctx.stored.values()) {
    entities.set(`s:${d.id}`, { key: `s:${d.id}`, stored: d, parentKey: d.parentId === null ? null : `s:${d.parentId}` });
  }
  for (const s of ctx.rows) {
    if (!isLive(s) || s.parent === undefined) continue;
    const p = s.parent;
    const parentKey = p.kind === 'root' ? null : p.kind === 'stored' ? `s:${p.id}` : rowEntityKey(ctx, p.idx);
    const key = rowEntityKey(ctx, s.idx);
    const existing = entities.get(key);
    entities.set(key, { key, stored: existing?.stored, row: s, parentKey });
  }
  return entities;
}

function label(e: Entity): string {
  if (e.row) return rowKey(e.row);
  return e.stored ? storedLabel(e.stored) : e.key;
}

/** Marks live rows on cycles; returns whether any was found. */
function detectCycles(entities: Map<string, Entity>): boolean {
  const state = new Map<string, 1 | 2>(); // 1: on the current walk, 2: known acyclic or already reported
  let found = false;
  for (const start of entities.values()) {
    const walk: Entity[] = [];
    let e: Entity | undefined = start;
    while (e && !state.has(e.key)) {
      state.set(e.key, 1);
      walk.push(e);
      e = e.parentKey === null ? undefined : entities.get(e.parentKey);
    }
    if (e && state.get(e.key) === 1) {
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
    for (const w of walk) state.set(w.key, 2);
  }
  return found;
}

function childrenOf(entities: Map<string, Entity>): { roots: Entity[]; children: Map<string, Entity[]> } {
  const roots: Entity[] = [];
  const children = new Map<string, Entity[]>();
  for (const e of entities.values()) {
    if (e.parentKey === null) {
      roots.push(e);
      continue;
    }
    // A parent key that is no entity is a new row that failed: see walkTree.
    const list = children.get(e.parentKey);
    if (list) list.push(e);
    else children.set(e.parentKey, [e]);
  }
  return { roots, children };
}

function computeAfter(ctx: PlanContext, e: Entity, parent: StoredDepartment | undefined): StoredDepartment {
  const base = e.stored;
  const s = e.row;
  const id = base?.id ?? (s!.finalId ??= ctx.newId());
  if (s) s.finalId = id;
  const fields: DepartmentFields = base
    ? { ...pickFields(base), ...s?.row.fields }
    : { ...NEW_DEFAULTS, ...s!.row.fields, name: s!.row.fields.name! };
  // A department listed in the file is active unless the row says otherwise.
  if (s) fields.isActive = s.row.fields.isActive ?? true;
  return {
    ...fields,
    id,
    organizationId: ctx.org.id,
    parentId: parent ? parent.id : null,
    path: `${parent ? parent.path : ''}/${id}`,
    depth: parent ? parent.depth + 1 : 0,
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
function walkTree(ctx: PlanContext, entities: Map<string, Entity>): { order: Entity[]; changed: boolean } {
  const { roots, children } = childrenOf(entities);
  const order: Entity[] = [];
  let changed = false;
  const queue: { e: Entity; parent: StoredDepartment | undefined }[] = roots.map((e) => ({ e, parent: undefined }));
  // Children of rows that failed (new rows are not entities at all): they cannot be placed.
  for (const [parentKey, list] of children) {
    if (entities.has(parentKey)) continue;
    for (const e of list) changed = skip(ctx, e, children) || changed;
  }
  for (let i = 0; i < queue.length; i++) {
    const { e, parent } = queue[i]!;
    if (e.row && !isLive(e.row)) continue;
    if (e.row) {
      const p = parentRowIdx(ctx, e.row);
      if (p !== undefined && (hasFailed(ctx.rows[p]!) || ctx.rows[p]!.skipped)) {
        changed = skip(ctx, e, children) || changed;
        continue;
      }
    }
    e.after = computeAfter(ctx, e, parent);
    order.push(e);
    for (const c of children.get(e.key) ?? []) queue.push({ e: c, parent: e.after });
  }
  return { order, changed };
}

function skip(ctx: PlanContext, e: Entity, children: Map<string, Entity[]>): boolean {
  if (!e.row || !isLive(e.row)) return false;
  const p = parentRowIdx(ctx, e.row);
  const parentRow = p === undefined ? undefined : ctx.rows[p];
  const why = parentRow ? `row ${parentRow.row.row} (${rowKey(parentRow)}) failed` : 'its parent failed';
  e.row.skipped = true;
  e.row.issues.length = 0;
  e.row.issues.push({ row: e.row.row.row, code: 'PARENT_FAILED', field: 'parent', message: `skipped because ${why}`, key: rowKey(e.row) });
  for (const c of children.get(e.key) ?? []) skip(ctx, c, children);
  return true;
}

function checkDepth(ctx: PlanContext, order: Entity[], entities: Map<string, Entity>): boolean {
  const max = ctx.options.maxDepth;
  if (max === undefined) return false;
  let changed = false;
  for (const e of order) {
    if (e.after!.depth + 1 <= max) continue;
    if (e.stored && e.after!.depth === e.stored.depth) continue; // already that deep: not this import's doing
    // Blame the row itself, or the nearest row above that moved this subtree down.
    let cur: Entity | undefined = e;
    while (cur && !(cur.row && isLive(cur.row))) cur = cur.parentKey === null ? undefined : entities.get(cur.parentKey);
    if (!cur?.row) continue;
    const what = cur === e ? 'the department' : `its subtree (down to "${label(e)}")`;
    addIssue(cur.row, 'DEPTH_EXCEEDED', 'parent', `${what} would be at level ${e.after!.depth + 1}; --max-depth allows ${max}`);
    changed = true;
  }
  return changed;
}

function checkUnique(ctx: PlanContext, order: Entity[]): boolean {
  const orgScope = ctx.org.nameScope === 'organization';
  const taken = { code: new Map<string, Entity>(), openDepartmentId: new Map<string, Entity>(), name: new Map<string, Entity>() };
  let changed = false;
  // Departments the file does not change hold their keys first; rows then claim theirs in file order.
  const fixed = order.filter((e) => !e.row);
  const rows = order.filter((e) => e.row).sort((a, b) => a.row!.idx - b.row!.idx);
  for (const e of [...fixed, ...rows]) {
    const a = e.after!;
    const keys: [keyof typeof taken, string | null][] = [
      ['code', a.code],
      ['openDepartmentId', a.openDepartmentId],
      ['name', `${orgScope ? '' : (a.parentId ?? '#root')}\u0000${a.name}`],
    ];
    for (const [kind, value] of keys) {
      if (value === null) continue;
      const holder = taken[kind].get(value);
      if (!holder) {
        taken[kind].set(value, e);
        continue;
      }
      if (!e.row) continue; // two stored departments never collide (the database enforces it)
      const by = holder.row ? `row ${holder.row.row.row}` : `the stored department "${label(holder)}"`;
      if (kind === 'code') addIssue(e.row, 'DUPLICATE_CODE', 'code', `code "${value}" is already used by ${by}`);
      else if (kind === 'openDepartmentId') {
        addIssue(e.row, 'DUPLICATE_OPEN_DEPARTMENT_ID', 'openDepartmentId', `openDepartmentId "${value}" is already used by ${by}`);
      } else {
        const where = orgScope ? 'in the organization' : 'under the same parent';
        addIssue(e.row, 'DEPARTMENT_NAME_CONFLICT', 'name', `a department named "${a.name}" already exists ${where} (${by})`);
      }
      changed = true;
    }
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
    if (checkDepth(ctx, order, entities)) continue;
    if (checkUnique(ctx, order)) continue;
    return order;
  }
}
