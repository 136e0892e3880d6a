/**
 * The statements of an API create's read round trip on MySQL/MariaDB
 * (departmentCreate.ts): the same rows departmentLookup.ts's lockParents and
 * candidates read, in one batch after the organization's row lock, with what
 * candidates derived from the parents (their ancestors, the name's scope
 * under them) derived by the server instead, so no second read waits for
 * the first's answer.
 */
import type { RowLookupKeys } from '../../core/plan/rowKeys.js';
import { MODEL_COLUMNS, ROOT_SCOPE_KEY } from './departmentRows.js';
import { TABLES } from './tables.js';

const KEY_COLUMN = { id: 'id', code: 'code', openDepartmentId: 'open_department_id' } as const;
const COLS = MODEL_COLUMNS.map((c) => `\`${c}\``).join(', ');
const DEPARTMENTS = `\`${TABLES.departments}\``;
const IN_ORG = `SELECT ${COLS} FROM ${DEPARTMENTS} WHERE organization_id = ?`;

/**
 * Levels of ancestors the read round trip takes from the parent's stored
 * path (`/root/.../parent`, one id a level): the ids at levels 1 to
 * ANCESTOR_LEVELS, each a primary-key lookup. An ancestor further up, in a
 * deeper tree, is read by a follow-up statement (missingAncestors), so the
 * planner's view stays closed under parent.
 *
 * This replaced a recursive CTE up parent_id: measured on MariaDB 10.11 in
 * an organization of 100,000 (the database thread's CPU per statement), the
 * CTE alone cost ~0.3-0.4 ms, its materialised temporary tables most of
 * it, against ~0.2 ms for the path's ids as primary-key lookups; each level
 * costs ~0.008 ms. 12 levels cover the organizations we know of.
 */
export const ANCESTOR_LEVELS = 12;

/** The ids at levels 1 to ANCESTOR_LEVELS of the parent `p`'s path (past its end, `SUBSTRING_INDEX` gives p's own id again). */
const PATH_LEVELS = Array.from({ length: ANCESTOR_LEVELS }, (_, i) => `SUBSTRING_INDEX(SUBSTRING_INDEX(p.path, '/', ${i + 2}), '/', -1)`).join(', ');
const A_COLS = MODEL_COLUMNS.map((c) => `a.\`${c}\``).join(', ');

export interface Statement {
  sql: string;
  values: unknown[];
}

/** `(key = ? OR key = ?)` for the parent reference, one term per key type it may name. */
function parentWhere(keys: RowLookupKeys, alias = ''): Statement {
  return {
    sql: `(${keys.parent.map((k) => `${alias}\`${KEY_COLUMN[k.by]}\` = ?`).join(' OR ')})`,
    values: keys.parent.map((k) => k.value),
  };
}

/** The parent candidates, share-locked until the transaction ends; undefined when the row names no parent. */
export function lockParentsStatement(organizationId: string, keys: RowLookupKeys): Statement | undefined {
  if (keys.parent.length === 0) return undefined;
  const where = parentWhere(keys);
  return { sql: `${IN_ORG} AND ${where.sql} LOCK IN SHARE MODE`, values: [organizationId, ...where.values] };
}

/**
 * One UNION ALL (plain reads: at READ COMMITTED, the latest committed rows)
 * of: the parent candidates' ancestors, and the holders of the row's id,
 * code, openDepartmentId and name in each scope the name can land in, as
 * departmentLookup.ts candidates(); undefined when there is nothing to read.
 * Runs after the parents' share lock, so the parents it derives from cannot
 * change under it.
 */
export function candidatesStatement(organizationId: string, nameScope: 'organization' | 'siblings', keys: RowLookupKeys): Statement | undefined {
  const parts: Statement[] = [];
  if (keys.parent.length > 0) {
    // The parents' ancestors by the ids in their paths. The primary key is
    // forced: otherwise MariaDB's range optimizer also weighs every index that
    // starts with organization_id (its index dives cost more than the lookups).
    const where = parentWhere(keys, 'p.');
    parts.push({
      sql:
        `SELECT ${A_COLS} FROM ${DEPARTMENTS} p JOIN ${DEPARTMENTS} a FORCE INDEX (PRIMARY) ON a.id IN (${PATH_LEVELS})` +
        ` AND a.organization_id = p.organization_id AND a.id <> p.id WHERE p.organization_id = ? AND ${where.sql}`,
      values: [organizationId, ...where.values],
    });
  }
  if (keys.id !== null) parts.push({ sql: `${IN_ORG} AND id = ?`, values: [organizationId, keys.id] });
  if (keys.code !== null) parts.push({ sql: `${IN_ORG} AND code = ?`, values: [organizationId, keys.code] });
  if (keys.openDepartmentId !== null) parts.push({ sql: `${IN_ORG} AND open_department_id = ?`, values: [organizationId, keys.openDepartmentId] });
  if (keys.name !== null) parts.push(...nameHolders(organizationId, nameScope, keys, keys.name));
  if (parts.length === 0) return undefined;
  return { sql: parts.map((p) => p.sql).join(' UNION ALL '), values: parts.flatMap((p) => p.values) };
}

/**
 * The name's holders in the scopes it can land in: each parent candidate's
 * and, when the parent may be the top level, the top level's. In
 * `organization` scope these are one scope (''), read only when there is a
 * parent candidate or the top level is possible, as candidates() does.
 */
function nameHolders(organizationId: string, nameScope: 'organization' | 'siblings', keys: RowLookupKeys, name: string): Statement[] {
  const hasParent = keys.parent.length > 0;
  const parents = (): Statement => {
    const where = parentWhere(keys, 'p.');
    return { sql: `SELECT p.id FROM ${DEPARTMENTS} p WHERE p.organization_id = ? AND ${where.sql}`, values: [organizationId, ...where.values] };
  };
  if (nameScope === 'organization') {
    const sql = `${IN_ORG} AND name_scope_key = '' AND name = ?`;
    if (keys.parentMayBeRoot || !hasParent) return [{ sql, values: [organizationId, name] }];
    const p = parents();
    return [{ sql: `${sql} AND EXISTS (${p.sql})`, values: [organizationId, name, ...p.values] }];
  }
  const out: Statement[] = [];
  if (hasParent) {
    const p = parents();
    out.push({ sql: `${IN_ORG} AND name_scope_key IN (${p.sql}) AND name = ?`, values: [organizationId, ...p.values, name] });
  }
  if (keys.parentMayBeRoot) out.push({ sql: `${IN_ORG} AND name_scope_key = '${ROOT_SCOPE_KEY}' AND name = ?`, values: [organizationId, name] });
  return out;
}

/**
 * The parents' ancestors the planner's view still lacks (it must be closed
 * under parent): the ids in their paths, and up their parent_ids through
 * what was fetched, that were not fetched. Normally none: only a parent
 * deeper than ANCESTOR_LEVELS, or a stored path that disagrees with
 * parent_id, needs one more read.
 */
export function missingAncestors(parents: readonly Ancestry[], fetched: readonly Ancestry[]): string[] {
  const byId = new Map<string, Ancestry>();
  for (const d of fetched) byId.set(d.id, d);
  const missing = new Set<string>();
  for (const p of parents) {
    for (const id of p.path.split('/')) if (id !== '' && !byId.has(id)) missing.add(id);
    // Bounded: a parent_id cycle in stored rows must not hang the request.
    for (let d: Ancestry | undefined = p, steps = 0; d && d.parentId !== null && steps <= byId.size; steps++) {
      const up = byId.get(d.parentId);
      if (!up) missing.add(d.parentId);
      d = up;
    }
  }
  return [...missing];
}

interface Ancestry {
  id: string;
  parentId: string | null;
  path: string;
}

/** Departments by id (the follow-up for missingAncestors). */
export function byIdsStatement(organizationId: string, ids: readonly string[]): Statement {
  return { sql: `${IN_ORG} AND id IN (?)`, values: [organizationId, ids] };
}
