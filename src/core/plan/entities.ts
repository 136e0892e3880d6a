/**
 * The departments of the tree after the import, as the final checks see them:
 * stored ones, new ones (a live row), and stored ones a live row shapes.
 * Parents are object references (not string keys): this runs on every
 * department of every import and string building and hashing dominated it.
 */
import type { StoredDepartment } from '../model.js';
import { addIssue, canonicalRow, isLive, type PlanContext, type RowState, rowKey, storedLabel } from './context.js';
import { ROOT_POSITION } from './storedLookup.js';

interface TreeLinks {
  /** null: top level; undefined: the parent is a new row that failed, so this cannot be placed. */
  parent: Entity | null | undefined;
  /** Made for departments that have children (most have none). */
  children: Entity[] | undefined;
  /** Cycle detection: 1 on the current walk, 2 done. */
  mark: 0 | 1 | 2;
  /** The department after the import; set when the walk places it (see Placed). */
  after: StoredDepartment | undefined;
}

/** A stored department, shaped by a live row of the file or not. */
export interface StoredEntity extends TreeLinks {
  stored: StoredDepartment;
  row: RowState | null;
}
/** A department a live row creates. */
export interface NewEntity extends TreeLinks {
  stored: null;
  row: RowState;
}
export type Entity = StoredEntity | NewEntity;

/** An entity the walk placed in the tree: its state after the import is known. */
export type Placed = Entity & { after: StoredDepartment };
/** A placed entity with a live row (the ones a row's outcome and checks are about). */
export type PlacedRow = Placed & { row: RowState };

export function hasRow(e: Placed): e is PlacedRow {
  return e.row !== null;
}

/** Records `after` on `e`: from here on `e` is Placed (set in place: no object per department). */
export function place(e: Entity, after: StoredDepartment): Placed {
  e.after = after;
  return e as Placed;
}

export function label(e: Entity): string {
  if (e.stored === null) return rowKey(e.row);
  return e.row === null ? storedLabel(e.stored) : rowKey(e.row);
}

export function buildEntities(ctx: PlanContext): Entity[] {
  // By stored position and by row index: arrays, not maps keyed by id (this
  // runs on every department of every import; the maps cost more than the rest).
  const stored = ctx.stored;
  const storedEntities: StoredEntity[] = new Array<StoredEntity>(stored.size);
  const all: Entity[] = [];
  for (let i = 0; i < stored.size; i++) {
    const e: StoredEntity = { stored: stored.at(i), row: null, parent: null, children: undefined, mark: 0, after: undefined };
    storedEntities[i] = e;
    all.push(e);
  }
  // A stored department the file does not shape keeps its stored parent (a parent
  // the view does not hold: undefined, it cannot be placed). Rows set their own below.
  for (let i = 0; i < stored.size; i++) {
    const p = stored.parentPosition(i);
    storedEntities[i]!.parent = p >= 0 ? storedEntities[p] : p === ROOT_POSITION ? null : undefined;
  }
  const byRow: (Entity | undefined)[] = new Array<Entity | undefined>(ctx.rows.length);
  for (const s of ctx.rows) {
    if (!isLive(s) || s.parent === null) continue;
    const e = s.storedPosition >= 0 ? storedEntities[s.storedPosition] : undefined;
    if (e) {
      e.row = s;
      byRow[s.idx] = e;
    } else {
      const created: NewEntity = { stored: null, row: s, parent: null, children: undefined, mark: 0, after: undefined };
      byRow[s.idx] = created;
      all.push(created);
    }
  }
  for (const e of all) {
    const p = e.row?.parent;
    if (p === undefined || p === null) continue;
    if (p.kind === 'root') e.parent = null;
    else if (p.kind === 'stored') e.parent = storedEntities[p.position];
    else {
      const target = canonicalRow(p.state);
      e.parent = target.storedPosition >= 0 ? storedEntities[target.storedPosition] : byRow[target.idx];
    }
  }
  return all;
}

/** Marks live rows on cycles; returns whether any was found. */
export function detectCycles(entities: readonly Entity[]): boolean {
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
      const message = `the parent references form a cycle: ${[...shown, label(e)].join(' -> ')}`;
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
