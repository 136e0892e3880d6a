/**
 * The departments of the tree after the import, as the final checks see them:
 * stored ones, new ones (a live row), and stored ones a live row shapes.
 *
 * As columns indexed by entity, not an object per department: the stored
 * departments at their lookup positions (0 to storedCount - 1), then one per
 * new row, in row order. Parents are entity indexes (not string keys: this
 * runs on every department of every import and string building and hashing
 * dominated it), children are made by the walk (finalTree.ts) as two arrays.
 * An object per department with its children list was ~130 bytes a
 * department alive at planning's peak (a heap snapshot of the bench's
 * 100,000-row re-import); these columns are ~40.
 */
import type { StoredDepartment } from '../model.js';
import { addIssue, canonicalRow, isLive, type PlanContext, type RowState, rowKey, storedLabel } from './context.js';
import { ROOT_POSITION } from './storedLookup.js';

/** `parent` of a top-level entity. */
export const TOP = -1;
/** `parent` of an entity that cannot be placed: its parent is a new row that failed, or a department the view does not hold. */
export const UNPLACEABLE = -2;

export class Tree {
  /** Entities below this index are stored departments (the index is their lookup position). */
  readonly storedCount: number;
  readonly size: number;
  /** Each entity's parent entity, TOP or UNPLACEABLE. */
  readonly parent: Int32Array;
  /** The live row that shapes the entity: null for a stored department no row shapes. */
  readonly row: (RowState | null)[];
  /** The department after the import, set when the walk places the entity. */
  readonly after: (StoredDepartment | undefined)[];

  constructor(
    private readonly ctx: PlanContext,
    newRows: number,
  ) {
    this.storedCount = ctx.stored.size;
    this.size = this.storedCount + newRows;
    this.parent = new Int32Array(this.size);
    this.row = new Array<RowState | null>(this.size).fill(null);
    this.after = new Array<StoredDepartment | undefined>(this.size);
  }

  /** The stored department the entity is, or null for a new one. */
  stored(e: number): StoredDepartment | null {
    return e < this.storedCount ? this.ctx.stored.at(e) : null;
  }

  /** `after` of a placed entity. */
  placed(e: number): StoredDepartment {
    const a = this.after[e];
    if (a === undefined) throw new Error(`planner invariant broken: entity ${e} was not placed`);
    return a;
  }
}

export function label(tree: Tree, e: number): string {
  const row = tree.row[e] ?? null;
  if (row !== null) return rowKey(row);
  const stored = tree.stored(e);
  return stored === null ? `department ${e}` : storedLabel(stored);
}

export function buildEntities(ctx: PlanContext): Tree {
  let newRows = 0;
  for (const s of ctx.rows) if (isLive(s) && s.parent !== null && s.storedPosition < 0) newRows++;
  const tree = new Tree(ctx, newRows);
  const { parent, row } = tree;
  // A stored department the file does not shape keeps its stored parent (a parent
  // the view does not hold: it cannot be placed). Rows set their own below.
  for (let i = 0; i < tree.storedCount; i++) {
    const p = ctx.stored.parentPosition(i);
    parent[i] = p >= 0 ? p : p === ROOT_POSITION ? TOP : UNPLACEABLE;
  }
  // By row index, the row's entity (-1: none).
  const byRow = new Int32Array(ctx.rows.length).fill(-1);
  let next = tree.storedCount;
  for (const s of ctx.rows) {
    if (!isLive(s) || s.parent === null) continue;
    const e = s.storedPosition >= 0 ? s.storedPosition : next++;
    row[e] = s;
    byRow[s.idx] = e;
  }
  for (let e = 0; e < tree.size; e++) {
    const p = row[e]?.parent;
    if (p === undefined || p === null) continue;
    if (p.kind === 'root') parent[e] = TOP;
    else if (p.kind === 'stored') parent[e] = p.position;
    else {
      const target = canonicalRow(p.state);
      const at = target.storedPosition >= 0 ? target.storedPosition : byRow[target.idx]!;
      parent[e] = at >= 0 ? at : UNPLACEABLE;
    }
  }
  return tree;
}

/** Marks live rows on cycles; returns whether any was found. */
export function detectCycles(tree: Tree): boolean {
  let found = false;
  // 1: on the current walk, 2: done.
  const mark = new Uint8Array(tree.size);
  // The current walk, reused (an array emptied with `length = 0` gave up its
  // store each time: ~150 bytes of garbage a department).
  const walk = new Int32Array(tree.size);
  for (let start = 0; start < tree.size; start++) {
    let walked = 0;
    let e = start;
    while (e >= 0 && mark[e] === 0) {
      mark[e] = 1;
      walk[walked++] = e;
      e = tree.parent[e]!;
    }
    if (e >= 0 && mark[e] === 1) {
      const cycle = Array.from(walk.subarray(walk.subarray(0, walked).indexOf(e), walked));
      // Name the cycle the way the child-to-parent links run, e.g. `A -> B -> C -> A`.
      const names = cycle.map((c) => label(tree, c));
      const shown = names.length > 50 ? [...names.slice(0, 50), `... (${names.length} departments in all)`] : names;
      const message = `the parent references form a cycle: ${[...shown, label(tree, e)].join(' -> ')}`;
      for (const c of cycle) {
        const row = tree.row[c];
        if (row) {
          addIssue(row, 'CYCLE_DETECTED', 'parent', message);
          found = true;
        }
      }
    }
    for (let w = 0; w < walked; w++) mark[walk[w]!] = 2;
  }
  return found;
}

/** Each entity's children, in entity order: `list[start[e]]` to `list[start[e + 1] - 1]`. */
export interface Children {
  start: Int32Array;
  list: Int32Array;
}

export function childrenOf(tree: Tree): Children {
  const start = new Int32Array(tree.size + 1);
  for (let e = 0; e < tree.size; e++) {
    const p = tree.parent[e]!;
    if (p >= 0) start[p + 1]!++;
  }
  for (let e = 0; e < tree.size; e++) start[e + 1]! += start[e]!;
  const fill = start.slice(0, tree.size);
  const list = new Int32Array(start[tree.size]!);
  for (let e = 0; e < tree.size; e++) {
    const p = tree.parent[e]!;
    if (p >= 0) list[fill[p]!++] = e;
  }
  return { start, list };
}
