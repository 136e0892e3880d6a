/**
 * The planner's working state: one RowState per input row and indexes over what
 * is stored. Everything the planning steps share lives here so each step is a
 * plain function over it.
 */
import { NO_ISSUES, type RowIssue, type RowErrorCode } from '../errors.js';
import type {
  DepartmentRow,
  ImportMode,
  MatchBy,
  Organization,
  StoredDepartment,
} from '../model.js';
import { KeyIndex } from './keyIndex.js';
import { parentNameKey, type StoredLookup } from './storedLookup.js';

export { parentNameKey };

export interface PlanOptions {
  mode: ImportMode;
  matchBy: MatchBy;
  /**
   * Maximum number of levels (a top-level department is level 1); undefined:
   * DEFAULT_MAX_DEPTH. Never more than MAX_STORABLE_DEPTH (see depthLimit.ts).
   */
  maxDepth?: number;
}

/** Where a row's parent is, once resolved: the top level, another row of the file, or a stored department. */
export type ParentTarget = { kind: 'root' } | { kind: 'row'; state: RowState } | { kind: 'stored'; stored: StoredDepartment; position: number };

/** Shared by every top-level row (one object, not one per row). */
export const ROOT: ParentTarget = Object.freeze({ kind: 'root' });

export type MatchKey = 'id' | 'openDepartmentId' | 'code' | 'name';

/**
 * One input row as the planning steps decide about it. Each field after
 * `issues` is the result of one step, `null` until that step decides and
 * when it decides "none": every field is present from the start (V8 then
 * keeps them inside the object instead of growing a property store per row).
 */
export interface RowState {
  readonly idx: number;
  readonly row: DepartmentRow;
  issues: RowIssue[];
  /** mergeIdenticalRows: the identical earlier row this one repeats. */
  mergedInto: RowState | null;
  /**
   * matchByKeys / matchByName: the position in the stored lookup
   * (storedLookup.ts) of the stored department this row updates; -1: a new
   * department. (The department itself is `storedOf`: a field for it, and
   * one for the key it matched by, were 16 bytes a row, held through planning.)
   */
  storedPosition: number;
  /** resolveParents: the parent (null: unresolved, or resolution failed). */
  parent: ParentTarget | null;
  /** finaliseTree: skipped because an ancestor row failed (PARENT_FAILED). */
  skipped: boolean;
  /** finaliseTree: the id the department has after the import (stored id, or a new one). */
  finalId: string | null;
  /** This row as other rows' parent target, made once (most rows are some rows' parent). */
  asParent: ParentTarget | null;
}

export class PlanContext {
  rows: RowState[];
  /** By stored position (storedLookup.ts): the row that matched that department. An array, not a map by id: one per stored department. */
  readonly rowByStored: (RowState | undefined)[];
  /**
   * First row (not merged) carrying each key in the file, as positions in
   * `rows` (keyIndex.ts: Maps of them were ~45 bytes a row each).
   */
  fileById: KeyIndex;
  fileByCode: KeyIndex;
  /** Set when mergeIdenticalRows has built the file's key indexes already (a file keyed by codes alone). */
  fileKeysIndexed = false;
  fileByOpenId: KeyIndex;
  /** `root`/`null` parent references that named a department with that key: value → first row and how many rows. */
  readonly rootWordsMatched = new Map<string, { row: number; count: number }>();

  constructor(
    readonly org: Organization,
    readonly options: PlanOptions,
    readonly newId: () => string,
    rows: readonly { row: DepartmentRow; issues: RowIssue[] }[],
    /** The stored departments, as a lookup (storedLookup.ts): all of them for an import, a request's few for an API write. */
    readonly stored: StoredLookup,
    /** By row index, the stored position holding the row's code, -1 for none (shareTextByKeys looked them up); undefined: not looked up. */
    readonly storedByCode?: Int32Array,
  ) {
    this.rows = rows.map((r, idx) => ({
      idx,
      row: r.row,
      issues: r.issues.length === 0 ? NO_ISSUES : [...r.issues],
      mergedInto: null,
      storedPosition: -1,
      parent: null,
      skipped: false,
      finalId: null,
      asParent: null,
    }));
    this.rowByStored = new Array<RowState | undefined>(stored.size);
    let ids = 0;
    let codes = 0;
    let openIds = 0;
    for (const { row } of rows) {
      if (row.id !== undefined) ids++;
      if (row.fields.code != null) codes++;
      if (row.fields.openDepartmentId != null) openIds++;
    }
    this.fileById = new KeyIndex((at) => this.rowAt(at).row.id!, ids);
    this.fileByCode = new KeyIndex((at) => this.rowAt(at).row.fields.code!, codes);
    this.fileByOpenId = new KeyIndex((at) => this.rowAt(at).row.fields.openDepartmentId!, openIds);
  }

  /** Once parents are resolved and rows matched: nothing looks a row up by its key any more. */
  releaseFileKeys(): void {
    this.fileById.clear();
    this.fileByCode.clear();
    this.fileByOpenId.clear();
  }

  /**
   * Once the tree is final: the rows by stored position, and each row's parent
   * target (which keeps its parent's row state alive), are not read again.
   */
  releaseTree(): void {
    this.rowByStored.length = 0;
    for (const s of this.rows) {
      s.parent = null;
      s.asParent = null;
    }
  }

  /** The row states, taken out (`rows` is empty afterwards): buildPlan drops each as its result is made. */
  takeRows(): (RowState | undefined)[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }

  /** The row at `idx`: an index a shape stage gave (a nested node's parent). */
  rowAt(idx: number): RowState {
    const s = this.rows[idx];
    if (s === undefined) throw new Error(`planner invariant broken: no row ${idx}`);
    return s;
  }
}

/** The stored department `state` updates (matchByKeys, matchByName), or null: a new department. */
export function storedOf(ctx: PlanContext, state: RowState): StoredDepartment | null {
  return state.storedPosition < 0 ? null : ctx.stored.at(state.storedPosition);
}

/** `state` as a parent target: one object per row, made the first time a row names it. */
export function rowTarget(state: RowState): ParentTarget {
  return (state.asParent ??= { kind: 'row', state });
}

/** The stored department at `position` of the lookup as a parent target. */
export function storedTarget(ctx: PlanContext, position: number): ParentTarget {
  return { kind: 'stored', stored: ctx.stored.at(position), position };
}

export function addIssue(state: RowState, code: RowErrorCode, field: string, message: string): void {
  pushIssue(state, { row: state.row.row, code, field, message, key: rowKey(state) });
}

/** Rows without issues share NO_ISSUES (see core/errors.ts): the first issue gets the row its own list. */
export function pushIssue(state: RowState, issue: RowIssue): void {
  if (state.issues === NO_ISSUES) state.issues = [];
  state.issues.push(issue);
}

export function hasFailed(state: RowState): boolean {
  return state.issues.length > 0;
}

/** Failed itself or skipped under a failed row: the row takes no part in the import. */
export function isTainted(state: RowState): boolean {
  return state.issues.length > 0 || state.skipped;
}

/** Live: takes part in the import (not merged, not failed, not skipped). */
export function isLive(state: RowState): boolean {
  return state.mergedInto === null && !state.skipped && state.issues.length === 0;
}

/** The row that stands for `state`'s department: the first of identical rows. */
export function canonicalRow(state: RowState): RowState {
  return state.mergedInto ?? state;
}

/** How a person would recognise the row's department in a report. */
export function rowKey(state: RowState): string {
  const f = state.row.fields;
  return f.code ?? f.openDepartmentId ?? state.row.id ?? f.name ?? `row ${state.row.row}`;
}

export function storedLabel(d: StoredDepartment): string {
  return d.code ?? d.openDepartmentId ?? d.name;
}
