/**
 * Planning steps that connect rows to each other and to what is stored:
 * organization check, merging identical rows, matching rows to stored
 * departments by key, and resolving parent references.
 */
import type { ParentRefType, ParentRefValue, StoredDepartment } from '../model.js';
import {
  addIssue,
  hasFailed,
  type MatchKey,
  type ParentTarget,
  type PlanContext,
  type RowState,
  storedLabel,
} from './context.js';

export function checkOrganization(ctx: PlanContext): void {
  for (const s of ctx.rows) {
    const org = s.row.organization;
    if (org !== undefined && org !== ctx.org.code && org !== ctx.org.id) {
      addIssue(s, 'ORGANIZATION_MISMATCH', 'organization', `the row belongs to organization "${org}", but this import is for "${ctx.org.code}"`);
    }
  }
}

/** A canonical text of everything a row says, so identical rows can be merged. */
function signature(s: RowState): string {
  const { fields, parent, id, organization } = s.row;
  const sortedFields = Object.keys(fields)
    .sort()
    .map((k) => [k, fields[k as keyof typeof fields]]);
  return JSON.stringify([id ?? null, organization ?? null, parent, sortedFields]);
}

/**
 * Two identical rows for one department (employee exports repeat them) are merged,
 * not an error. Only rows sharing a key can be identical, so signatures (the
 * expensive part) are computed for those alone.
 */
export function mergeIdenticalRows(ctx: PlanContext): void {
  const byKey = new Map<string, number>();
  const shared: RowState[] = [];
  for (const s of ctx.rows) {
    const key = s.row.fields.code ?? s.row.fields.openDepartmentId ?? s.row.id ?? s.row.fields.name ?? '';
    const first = byKey.get(key);
    if (first === undefined) byKey.set(key, s.idx);
    else {
      if (first >= 0) shared.push(ctx.rows[first]!);
      byKey.set(key, -1);
      shared.push(s);
    }
  }
  shared.sort((a, b) => a.idx - b.idx);
  const seen = new Map<string, number>();
  for (const s of shared) {
    const sig = signature(s);
    const first = seen.get(sig);
    if (first === undefined) seen.set(sig, s.idx);
    else s.mergedInto = first;
  }
}

/** Indexes the file's own keys; a later row reusing a key of an earlier (different) row fails. */
export function indexFileKeys(ctx: PlanContext): void {
  for (const s of ctx.rows) {
    if (s.mergedInto !== undefined) continue;
    const { code, openDepartmentId } = s.row.fields;
    if (openDepartmentId != null) claimFileKey(ctx.fileByOpenId, openDepartmentId, s, ctx, 'openDepartmentId');
    if (code != null) claimFileKey(ctx.fileByCode, code, s, ctx, 'code');
    if (s.row.id !== undefined) claimFileKey(ctx.fileById, s.row.id, s, ctx, 'id');
  }
}

function claimFileKey(index: Map<string, number>, key: string, s: RowState, ctx: PlanContext, field: 'code' | 'openDepartmentId' | 'id'): void {
  const first = index.get(key);
  if (first === undefined) {
    index.set(key, s.idx);
    return;
  }
  const other = ctx.rows[first]!.row.row;
  if (field === 'code') addIssue(s, 'DUPLICATE_CODE', 'code', `code "${key}" is already used by row ${other}`);
  else if (field === 'openDepartmentId') {
    addIssue(s, 'DUPLICATE_OPEN_DEPARTMENT_ID', 'openDepartmentId', `openDepartmentId "${key}" is already used by row ${other}`);
  } else addIssue(s, 'INVALID_FIELD', 'id', `id "${key}" is already used by row ${other}`);
}

/** Matching by id, openDepartmentId or code (name matching needs resolved parents: see matchByName). */
export function matchByKeys(ctx: PlanContext): void {
  const { matchBy } = ctx.options;
  const auto = matchBy === 'auto';
  // Keys in order: id, openDepartmentId, code. (Written out rather than as a
  // list of lookups made per row: this runs for every row of every import.)
  for (const s of ctx.rows) {
    if (s.mergedInto !== undefined) continue;
    const { code, openDepartmentId } = s.row.fields;
    // In auto mode a file-local id that is not a stored id falls through to the next key;
    // an openDepartmentId or code that matches nothing decides: the department is new.
    if ((auto || matchBy === 'id') && s.row.id != null) {
      const found = ctx.stored.get(s.row.id);
      if (found !== undefined) {
        claimStored(ctx, s, found, 'id');
        continue;
      }
    }
    if ((auto || matchBy === 'openDepartmentId') && openDepartmentId != null) {
      const found = ctx.storedByOpenId.get(openDepartmentId);
      if (found !== undefined) claimStored(ctx, s, found, 'openDepartmentId');
      continue;
    }
    if ((auto || matchBy === 'code') && code != null) {
      const found = ctx.storedByCode.get(code);
      if (found !== undefined) claimStored(ctx, s, found, 'code');
    }
  }
}

export function claimStored(ctx: PlanContext, s: RowState, d: StoredDepartment, key: MatchKey): void {
  const other = ctx.rowByStoredId.get(d.id);
  if (other !== undefined) {
    const code = key === 'openDepartmentId' ? 'DUPLICATE_OPEN_DEPARTMENT_ID' : key === 'code' ? 'DUPLICATE_CODE' : 'INVALID_FIELD';
    addIssue(s, code, key, `row ${ctx.rows[other]!.row.row} already updates the department "${storedLabel(d)}"`);
    return;
  }
  ctx.rowByStoredId.set(d.id, s.idx);
  s.storedId = d.id;
  s.matchedBy = key;
}

type Candidate = { target: ParentTarget; type: Exclude<ParentRefType, 'auto'> };

/** The key types a parent reference of each type is looked up as, in order. */
const LOOKUP_TYPES: Record<ParentRefType, readonly Exclude<ParentRefType, 'auto'>[]> = {
  auto: ['id', 'openDepartmentId', 'code'],
  id: ['id'],
  openDepartmentId: ['openDepartmentId'],
  code: ['code'],
};

function lookup(ctx: PlanContext, type: Exclude<ParentRefType, 'auto'>, value: string): Candidate | undefined {
  const fileIndex = type === 'id' ? ctx.fileById : type === 'code' ? ctx.fileByCode : ctx.fileByOpenId;
  const fromFile = fileIndex.get(value);
  // The file is the new truth: a row carrying the key wins over a stored department with the same key.
  if (fromFile !== undefined) return { target: { kind: 'row', idx: fromFile }, type };
  const stored = type === 'id' ? ctx.stored.get(value) : type === 'code' ? ctx.storedByCode.get(value) : ctx.storedByOpenId.get(value);
  if (stored) return { target: { kind: 'stored', id: stored.id }, type };
  return undefined;
}

/** How a candidate was found, for the PARENT_AMBIGUOUS message (built only when needed). */
function describe(ctx: PlanContext, c: Candidate): string {
  return c.target.kind === 'row'
    ? `${c.type} of row ${ctx.rows[c.target.idx]!.row.row}`
    : `${c.type} of the stored department "${ctx.stored.get(c.target.kind === 'stored' ? c.target.id : '')?.name ?? '?'}"`;
}

/** The department a target denotes: a stored department matched by a row is that row. */
function canonical(ctx: PlanContext, t: ParentTarget): string | number | null {
  if (t.kind === 'root') return null;
  if (t.kind === 'row') {
    const st = ctx.rows[ctx.rows[t.idx]!.mergedInto ?? t.idx]!;
    return st.storedId ?? st.idx; // a stored id (string) or a new row (number): never equal to each other
  }
  return t.id;
}

export function sameEntity(ctx: PlanContext, a: ParentTarget, b: ParentTarget): boolean {
  return canonical(ctx, a) === canonical(ctx, b);
}

export function resolveParents(ctx: PlanContext): void {
  for (const s of ctx.rows) {
    if (s.mergedInto !== undefined) continue;
    const ref = s.row.parent;
    if (ref.kind === 'root') {
      s.parent = { kind: 'root' };
      continue;
    }
    if (ref.kind === 'absent') {
      const stored = s.storedId === undefined ? undefined : ctx.stored.get(s.storedId);
      s.parent = stored?.parentId ? { kind: 'stored', id: stored.parentId } : { kind: 'root' };
      continue;
    }
    if (ref.kind === 'link') {
      if (ref.declared === undefined || declaredParentAgrees(ctx, s, ref.idx, ref.declared)) s.parent = { kind: 'row', idx: ref.idx };
      continue;
    }
    const found: Candidate[] = [];
    for (const type of LOOKUP_TYPES[ref.type]) {
      const c = lookup(ctx, type, ref.value);
      if (c && !found.some((f) => sameEntity(ctx, f.target, c.target))) found.push(c);
    }
    if (found.length === 0) {
      const how = ref.type === 'auto' ? 'id, openDepartmentId or code' : ref.type;
      addIssue(s, 'PARENT_NOT_FOUND', 'parent', `no department has ${how} "${ref.value}", in the file or in the database`);
      continue;
    }
    if (found.length > 1) {
      addIssue(s, 'PARENT_AMBIGUOUS', 'parent', `"${ref.value}" matches different departments: ${found.map((f) => describe(ctx, f)).join('; ')} (set --parent-ref)`);
      continue;
    }
    const target = found[0]!.target;
    if (sameEntity(ctx, target, { kind: 'row', idx: s.idx })) {
      addIssue(s, 'SELF_PARENT', 'parent', `the department names itself ("${ref.value}") as its parent`);
      continue;
    }
    s.parent = target;
  }
}

/**
 * A nested department (or a path's department) whose row also names a parent:
 * the reference must denote the department it sits under, else the row fails
 * with NESTED_PARENT_CONFLICT.
 */
function declaredParentAgrees(
  ctx: PlanContext,
  s: RowState,
  parentIdx: number,
  declared: { kind: 'root' } | ParentRefValue,
): boolean {
  const target: ParentTarget = { kind: 'row', idx: parentIdx };
  const where = `it is nested under row ${ctx.rows[parentIdx]!.row.row}`;
  if (declared.kind === 'root') {
    addIssue(s, 'NESTED_PARENT_CONFLICT', 'parent', `the row says it is a top-level department, but ${where}`);
    return false;
  }
  for (const type of LOOKUP_TYPES[declared.type]) {
    const c = lookup(ctx, type, declared.value);
    if (c && sameEntity(ctx, c.target, target)) return true;
  }
  addIssue(s, 'NESTED_PARENT_CONFLICT', 'parent', `the row names "${declared.value}" as its parent, but ${where}; remove the parent reference or move the department`);
  return false;
}

/** Rows whose parent row failed are skipped; the skip follows the file's own parent links. */
export function parentRowIdx(ctx: PlanContext, s: RowState): number | undefined {
  const p = s.parent;
  if (p === undefined || p.kind === 'root') return undefined;
  if (p.kind === 'row') return ctx.rows[p.idx]!.mergedInto ?? p.idx;
  return ctx.rowByStoredId.get(p.id);
}

export function isTainted(ctx: PlanContext, idx: number): boolean {
  const st = ctx.rows[idx]!;
  return hasFailed(st) || st.skipped;
}
