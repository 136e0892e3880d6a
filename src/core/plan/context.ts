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

export interface PlanOptions {
  mode: ImportMode;
  matchBy: MatchBy;
  /** Maximum number of levels (a top-level department is level 1); undefined = unlimited. */
  maxDepth?: number;
}

/** Where a row's parent is, once resolved. */
export type ParentTarget = { kind: 'root' } | { kind: 'row'; idx: number } | { kind: 'stored'; id: string };

export type MatchKey = 'id' | 'openDepartmentId' | 'code' | 'name';

export interface RowState {
  idx: number;
  row: DepartmentRow;
  issues: RowIssue[];
  /** Index of the identical earlier row this one duplicates. */
  mergedInto?: number;
  storedId?: string;
  matchedBy?: MatchKey;
  /** Resolved parent; undefined while unresolved or when resolution failed. */
  parent?: ParentTarget;
  /** Skipped because an ancestor row failed (PARENT_FAILED). */
  skipped: boolean;
  /** Id the department has after the import (stored id, or a new one). */
  finalId?: string;
}

export interface PlanContext {
  org: Organization;
  options: PlanOptions;
  newId: () => string;
  rows: RowState[];
  stored: Map<string, StoredDepartment>;
  storedByCode: Map<string, StoredDepartment>;
  storedByOpenId: Map<string, StoredDepartment>;
  /** `parentId|#root` + NUL + name → stored department, for matching by name within the parent. */
  storedByParentName: Map<string, StoredDepartment>;
  /** Name → stored department (names are unique per organization in `organization` scope). */
  storedByName: Map<string, StoredDepartment>;
  /** Stored id → the row that matched it. */
  rowByStoredId: Map<string, number>;
  /** First row (not merged) carrying each key in the file. */
  fileById: Map<string, number>;
  fileByCode: Map<string, number>;
  fileByOpenId: Map<string, number>;
}

export function parentNameKey(parentId: string | null, name: string): string {
  return `${parentId ?? '#root'}\u0000${name}`;
}

export function buildContext(
  org: Organization,
  rows: { row: DepartmentRow; issues: RowIssue[] }[],
  stored: readonly StoredDepartment[],
  options: PlanOptions,
  newId: () => string,
): PlanContext {
  const ctx: PlanContext = {
    org,
    options,
    newId,
    // Every field in the literal, even those set later: V8 then keeps them all
    // inside the object instead of growing a separate property store per row.
    rows: rows.map((r, idx) => ({
      idx,
      row: r.row,
      issues: r.issues.length === 0 ? NO_ISSUES : [...r.issues],
      mergedInto: undefined,
      storedId: undefined,
      matchedBy: undefined,
      parent: undefined,
      skipped: false,
      finalId: undefined,
    })),
    stored: new Map(),
    storedByCode: new Map(),
    storedByOpenId: new Map(),
    storedByParentName: new Map(), // replaced by a lazy getter below
    storedByName: new Map(),
    rowByStoredId: new Map(),
    fileById: new Map(),
    fileByCode: new Map(),
    fileByOpenId: new Map(),
  };
  for (const d of stored) {
    ctx.stored.set(d.id, d);
    if (d.code !== null) ctx.storedByCode.set(d.code, d);
    if (d.openDepartmentId !== null) ctx.storedByOpenId.set(d.openDepartmentId, d);
  }
  // Name indexes are needed only for rows without keys and for changed names:
  // built on first use, since building them costs as much as the rest of the setup.
  let byParentName: Map<string, StoredDepartment> | undefined;
  let byName: Map<string, StoredDepartment> | undefined;
  Object.defineProperty(ctx, 'storedByParentName', {
    get: () => (byParentName ??= new Map(stored.map((d) => [parentNameKey(d.parentId, d.name), d]))),
  });
  Object.defineProperty(ctx, 'storedByName', {
    get: () => {
      if (!byName) {
        byName = new Map();
        for (const d of stored) if (!byName.has(d.name)) byName.set(d.name, d);
      }
      return byName;
    },
  });
  return ctx;
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

/** Live: takes part in the import (not merged, not failed, not skipped). */
export function isLive(state: RowState): boolean {
  return state.mergedInto === undefined && !state.skipped && state.issues.length === 0;
}

/** How a person would recognise the row's department in a report. */
export function rowKey(state: RowState): string {
  const f = state.row.fields;
  return f.code ?? f.openDepartmentId ?? state.row.id ?? f.name ?? `row ${state.row.row}`;
}

export function storedLabel(d: StoredDepartment): string {
  return d.code ?? d.openDepartmentId ?? d.name;
}
