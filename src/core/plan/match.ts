/**
 * Planning steps that connect rows to each other and to what is stored:
 * organization check, merging identical rows, matching rows to stored
 * departments by key, and resolving parent references.
 */
import type { ParentRefType, ParentRefValue } from '../model.js';
import {
  addIssue,
  canonicalRow,
  type MatchKey,
  type ParentTarget,
  type PlanContext,
  ROOT,
  type RowState,
  rowTarget,
  storedLabel,
  storedTarget,
} from './context.js';
import { KeyIndex } from './keyIndex.js';
import { shareEqualText } from './sharedText.js';
import type { StoredKey } from './storedLookup.js';

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
  const { rows } = ctx;
  // The first row with each key, by position; `sharing` marks a first row
  // once a second shares its key (it is then in `shared`). The keys in an
  // array of their own: a probe that reads a key back then reads the array
  // and the string, where through the row it read four objects more (as the
  // file's code index below, ~2 s of cache misses resolving 1,000,000 parents).
  const keys = rows.map((s) => s.row.fields.code ?? s.row.fields.openDepartmentId ?? s.row.id ?? s.row.fields.name ?? '');
  const byKey = new KeyIndex((at) => keys[at]!, rows.length);
  const sharing = new Uint8Array(rows.length);
  const shared: RowState[] = [];
  // Whether every row's only key is a code (the usual file): see the end.
  let codesOnly = true;
  for (const s of rows) {
    const { code, openDepartmentId } = s.row.fields;
    if (code == null || openDepartmentId != null || s.row.id !== undefined) codesOnly = false;
    const first = byKey.addIfAbsent(keys[s.idx]!, s.idx);
    if (first < 0) continue;
    if (sharing[first] === 0) {
      sharing[first] = 1;
      shared.push(ctx.rowAt(first));
    }
    shared.push(s);
  }
  if (shared.length === 0 && codesOnly) {
    // No row shares its code with another, and codes are the only keys: `byKey`
    // is exactly the index indexFileKeys would build, entry for entry. Kept as
    // it is: a second index of every row costs ~0.1 s per 100,000.
    ctx.fileByCode = byKey;
    ctx.fileKeysIndexed = true;
    return;
  }
  shared.sort((a, b) => a.idx - b.idx);
  const seen = new Map<string, RowState>();
  for (const s of shared) {
    const sig = signature(s);
    const first = seen.get(sig);
    if (first === undefined) seen.set(sig, s);
    else s.mergedInto = first;
  }
}

/** Indexes the file's own keys; a later row reusing a key of an earlier (different) row fails. */
export function indexFileKeys(ctx: PlanContext): void {
  if (ctx.fileKeysIndexed) return;
  for (const s of ctx.rows) {
    if (s.mergedInto !== null) continue;
    const { code, openDepartmentId } = s.row.fields;
    if (openDepartmentId != null) claimFileKey(ctx, ctx.fileByOpenId, openDepartmentId, s, 'openDepartmentId');
    if (code != null) claimFileKey(ctx, ctx.fileByCode, code, s, 'code');
    if (s.row.id !== undefined) claimFileKey(ctx, ctx.fileById, s.row.id, s, 'id');
  }
}

function claimFileKey(ctx: PlanContext, index: KeyIndex, key: string, s: RowState, field: 'code' | 'openDepartmentId' | 'id'): void {
  const first = index.addIfAbsent(key, s.idx);
  if (first < 0) return;
  const other = ctx.rowAt(first).row.row;
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
    if (s.mergedInto !== null) continue;
    const { code, openDepartmentId } = s.row.fields;
    // In auto mode a file-local id that is not a stored id falls through to the next key;
    // an openDepartmentId or code that matches nothing decides: the department is new.
    if ((auto || matchBy === 'id') && s.row.id != null) {
      const found = ctx.stored.positionBy('id', s.row.id);
      if (found >= 0) {
        claimStored(ctx, s, found, 'id');
        continue;
      }
    }
    if ((auto || matchBy === 'openDepartmentId') && openDepartmentId != null) {
      const found = ctx.stored.positionBy('openDepartmentId', openDepartmentId);
      if (found >= 0) claimStored(ctx, s, found, 'openDepartmentId');
      continue;
    }
    if ((auto || matchBy === 'code') && code != null) {
      const found = ctx.storedByCode?.[s.idx] ?? ctx.stored.positionBy('code', code);
      if (found >= 0) claimStored(ctx, s, found, 'code');
    }
  }
}

/** `s` updates the stored department at `position` of the lookup (unless another row already does). */
export function claimStored(ctx: PlanContext, s: RowState, position: number, key: MatchKey): void {
  const d = ctx.stored.at(position);
  const other = ctx.rowByStored[position];
  if (other !== undefined) {
    const code = key === 'openDepartmentId' ? 'DUPLICATE_OPEN_DEPARTMENT_ID' : key === 'code' ? 'DUPLICATE_CODE' : 'INVALID_FIELD';
    addIssue(s, code, key, `row ${other.row.row} already updates the department "${storedLabel(d)}"`);
    return;
  }
  ctx.rowByStored[position] = s;
  s.storedPosition = position;
  // Rows matched by id or name (shareTextByKeys did the others).
  shareEqualText(d, s.row.fields);
}

type Candidate = { target: ParentTarget; type: StoredKey };

/** The key types a parent reference of each type is looked up as, in order. */
export const LOOKUP_TYPES: Record<ParentRefType, readonly Exclude<ParentRefType, 'auto'>[]> = {
  auto: ['id', 'openDepartmentId', 'code'],
  id: ['id'],
  openDepartmentId: ['openDepartmentId'],
  code: ['code'],
};

/** The department a key of `type` names: a row of the file, a stored department, or none. */
function lookup(ctx: PlanContext, type: StoredKey, value: string): ParentTarget | undefined {
  const fileIndex = type === 'id' ? ctx.fileById : type === 'code' ? ctx.fileByCode : ctx.fileByOpenId;
  const fromFile = fileIndex.get(value);
  // The file is the new truth: a row carrying the key wins over a stored department with the same key.
  // (Targets of rows are made once per row: no object per reference.)
  if (fromFile >= 0) return rowTarget(ctx.rowAt(fromFile));
  const position = ctx.stored.positionBy(type, value);
  return position >= 0 ? storedTarget(ctx, position) : undefined;
}

/** How a candidate was found, for the PARENT_AMBIGUOUS message (built only when needed). */
function describe(c: Candidate): string {
  const t = c.target;
  return t.kind === 'row' ? `${c.type} of row ${t.state.row.row}` : `${c.type} of the stored department "${t.kind === 'stored' ? t.stored.name : '?'}"`;
}

/**
 * The department a target denotes, as a value compared with ===: a stored
 * department by its position in the lookup (a row that matched it denotes it
 * too), a new department by its row.
 */
function canonical(t: ParentTarget): number | RowState | null {
  if (t.kind === 'root') return null;
  if (t.kind === 'row') return canonicalOfRow(canonicalRow(t.state));
  return t.position;
}

function canonicalOfRow(s: RowState): number | RowState {
  return s.storedPosition >= 0 ? s.storedPosition : s;
}

export function sameEntity(a: ParentTarget, b: ParentTarget): boolean {
  return canonical(a) === canonical(b);
}

export function resolveParents(ctx: PlanContext): void {
  for (const s of ctx.rows) {
    if (s.mergedInto !== null) continue;
    const ref = s.row.parent;
    if (ref.kind === 'root') {
      s.parent = ROOT;
      continue;
    }
    if (ref.kind === 'absent') {
      const parent = s.storedPosition < 0 ? -1 : ctx.stored.parentPosition(s.storedPosition);
      s.parent = parent >= 0 ? storedTarget(ctx, parent) : ROOT;
      continue;
    }
    if (ref.kind === 'link') {
      const parentRow = ctx.rowAt(ref.idx);
      if (ref.declared === undefined || declaredParentAgrees(ctx, s, parentRow, ref.declared)) s.parent = rowTarget(parentRow);
      continue;
    }
    // The usual reference finds one department: no list is made for it.
    let first: ParentTarget | undefined;
    let firstType: StoredKey = 'id';
    let found: Candidate[] | undefined;
    for (const type of LOOKUP_TYPES[ref.type]) {
      const target = lookup(ctx, type, ref.value);
      if (target === undefined) continue;
      if (first === undefined) {
        first = target;
        firstType = type;
        continue;
      }
      found ??= [{ target: first, type: firstType }];
      if (!found.some((f) => sameEntity(f.target, target))) found.push({ target, type });
    }
    if (found?.length === 1) found = undefined;
    if (first === undefined && ref.rootWord) {
      s.parent = ROOT;
      continue;
    }
    if (first !== undefined && ref.rootWord) {
      const seen = ctx.rootWordsMatched.get(ref.value);
      if (seen) seen.count++;
      else ctx.rootWordsMatched.set(ref.value, { row: s.row.row, count: 1 });
    }
    if (first === undefined) {
      const how = ref.type === 'auto' ? 'id, openDepartmentId or code' : ref.type;
      addIssue(s, 'PARENT_NOT_FOUND', 'parent', `no department has ${how} "${ref.value}", in the file or in the database`);
      continue;
    }
    if (found !== undefined) {
      addIssue(s, 'PARENT_AMBIGUOUS', 'parent', `"${ref.value}" matches different departments: ${found.map(describe).join('; ')} (set --parent-ref)`);
      continue;
    }
    const target = first;
    // `s` is not merged (see above): it stands for its stored department, or for itself.
    if (canonical(target) === canonicalOfRow(s)) {
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
  parentRow: RowState,
  declared: { kind: 'root' } | ParentRefValue,
): boolean {
  const target = rowTarget(parentRow);
  const where = `it is nested under row ${parentRow.row.row}`;
  const isRoot = declared.kind === 'root' || (declared.rootWord === true && !LOOKUP_TYPES[declared.type].some((type) => lookup(ctx, type, declared.value)));
  if (isRoot) {
    addIssue(s, 'NESTED_PARENT_CONFLICT', 'parent', `the row says it is a top-level department, but ${where}`);
    return false;
  }
  for (const type of LOOKUP_TYPES[declared.type]) {
    const c = lookup(ctx, type, declared.value);
    if (c && sameEntity(c, target)) return true;
  }
  addIssue(s, 'NESTED_PARENT_CONFLICT', 'parent', `the row names "${declared.value}" as its parent, but ${where}; remove the parent reference or move the department`);
  return false;
}

/**
 * The row of the file that `s`'s parent is, if any: a parent row (the first of
 * identical rows), or the row that matched a stored parent. Rows under a
 * failed one are skipped along these links.
 */
export function parentRow(ctx: PlanContext, s: RowState): RowState | undefined {
  const p = s.parent;
  if (p === null || p.kind === 'root') return undefined;
  if (p.kind === 'row') return canonicalRow(p.state);
  return ctx.rowByStored[p.position];
}
